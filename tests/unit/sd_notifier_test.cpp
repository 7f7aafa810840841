// sup::sd::Notifier against a private NOTIFY_SOCKET, the way systemd would receive it.
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "os/EventLoop.h"
#include "os/UniqueFd.h"
#include "sd/Notifier.h"

namespace {

using namespace std::chrono_literals;

// Sets (or unsets, with nullptr) an environment variable for one test and restores it afterwards.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

  private:
    std::string name_;
    std::optional<std::string> old_;
};

// The manager's end: an abstract datagram socket named after this process, so parallel test
// processes never collide.
class FakeManager {
  public:
    FakeManager() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
        EXPECT_TRUE(fd_);
        name_ = "sup-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        addr.sun_path[0] = '\0';
        name_.copy(addr.sun_path + 1, sizeof(addr.sun_path) - 2);
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
        EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), len), 0) << errno;
    }
    std::string address() const { return "@" + name_; }

    // Every datagram waiting right now.
    std::vector<std::string> drain() {
        std::vector<std::string> out;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) break;  // EAGAIN: nothing more
            out.emplace_back(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

  private:
    static inline int counter_ = 0;
    sup::os::UniqueFd fd_;
    std::string name_;
};

std::uint64_t nowMonotonicUsec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

TEST(SdNotifier, SendsReadyStoppingAndStatus) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    ScopedEnv wd("WATCHDOG_USEC", nullptr);
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    ASSERT_TRUE(notifier.enabled());
    EXPECT_FALSE(notifier.watchdogArmed());

    notifier.status("3 running, 0 backoff, 0 fatal");
    loop.runOnce(0);  // STATUS= goes out before the loop waits
    notifier.ready();
    notifier.status("3 running, 0 backoff, 0 fatal");  // unchanged: not re-sent
    loop.runOnce(0);
    notifier.status("2 running,\n1 backoff");  // newline flattened
    notifier.stopping();
    loop.runOnce(0);
    EXPECT_EQ(manager.drain(), (std::vector<std::string>{"STATUS=3 running, 0 backoff, 0 fatal", "READY=1",
                                                         "STOPPING=1", "STATUS=2 running, 1 backoff"}));
}

// A start of N services changes the status N times in one loop turn: the manager gets one datagram,
// with the last text (before, N datagrams, each through a new socket).
TEST(SdNotifier, StatusIsSentOncePerLoopTurnWithTheLastText) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    ScopedEnv wd("WATCHDOG_USEC", nullptr);
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    for (int i = 1; i <= 1000; ++i) notifier.status(std::to_string(i) + " starting");
    EXPECT_TRUE(manager.drain().empty());
    loop.runOnce(0);
    EXPECT_EQ(manager.drain(), (std::vector<std::string>{"STATUS=1000 starting"}));
    // Back and forth within one turn: the manager already has the text, so nothing is sent.
    notifier.status("x");
    notifier.status("1000 starting");
    loop.runOnce(0);
    EXPECT_TRUE(manager.drain().empty());
}

// A manager that stops reading must not stop the daemon: sd_notify() blocked in sendmsg() once the
// manager's queue was full, and with it reaping, D-Bus and the watchdog. Now the messages wait, the
// queue stays bounded, and they go out when the manager reads again.
TEST(SdNotifier, AManagerThatDoesNotReadNeverBlocksTheLoop) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    ScopedEnv wd("WATCHDOG_USEC", nullptr);
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5000; ++i) {  // far more than a datagram queue holds
        notifier.status("turn " + std::to_string(i));
        if (i % 100 == 0) notifier.ready();
        loop.runOnce(0);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
    EXPECT_GT(notifier.queued(), 0u) << "the manager's queue never filled; the test proves nothing";
    EXPECT_LE(notifier.queued(), 32u);

    // The manager reads again: what waited is delivered once the socket is writable, newest status last.
    auto got = manager.drain();
    for (int i = 0; i < 10 && notifier.queued() > 0; ++i) {
        loop.runOnce(1000);
        auto more = manager.drain();
        got.insert(got.end(), more.begin(), more.end());
    }
    EXPECT_EQ(notifier.queued(), 0u);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), "STATUS=turn 4999");
    EXPECT_NE(std::find(got.end() - std::min<std::ptrdiff_t>(got.size(), 40), got.end(), "READY=1"),
              got.end());
}

TEST(SdNotifier, ReloadingCarriesMonotonicTimestamp) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);

    const std::uint64_t before = nowMonotonicUsec();
    notifier.reloading();
    const std::uint64_t after = nowMonotonicUsec();
    notifier.ready();

    const auto got = manager.drain();
    ASSERT_EQ(got.size(), 2u);
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    ASSERT_EQ(got[0].substr(0, prefix.size()), prefix) << got[0];
    const std::uint64_t stamp = std::stoull(got[0].substr(prefix.size()));
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, after);
    EXPECT_EQ(got[1], "READY=1");
}

TEST(SdNotifier, NoSocketMeansNoOpAndNoTimer) {
    ScopedEnv sock("NOTIFY_SOCKET", nullptr);
    ScopedEnv wd("WATCHDOG_USEC", "100000");
    ScopedEnv wdpid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    EXPECT_FALSE(notifier.enabled());
    EXPECT_FALSE(notifier.watchdogArmed());
    notifier.ready();
    notifier.status("x");
    // Nothing registered: the loop times out instead of dispatching a watchdog timer.
    EXPECT_EQ(loop.runOnce(150), 0);
}

TEST(SdNotifier, WatchdogForAnotherPidIsIgnored) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    ScopedEnv wd("WATCHDOG_USEC", "100000");
    ScopedEnv wdpid("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str());
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    EXPECT_FALSE(notifier.watchdogArmed());
}

TEST(SdNotifier, WatchdogPingsAtHalfTheIntervalFromTheLoop) {
    FakeManager manager;
    ScopedEnv sock("NOTIFY_SOCKET", manager.address().c_str());
    ScopedEnv wd("WATCHDOG_USEC", "400000");  // 400 ms -> a ping every 200 ms
    ScopedEnv wdpid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
    sup::os::EventLoop loop;
    sup::sd::Notifier notifier(loop);
    ASSERT_TRUE(notifier.watchdogArmed());
    EXPECT_EQ(notifier.watchdogPeriod(), 200ms);

    // Nothing is sent until the loop runs: the pings come from the loop, not a thread.
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(manager.drain().empty());

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::chrono::steady_clock::time_point> pings;
    const auto deadline = start + 15s;
    while (pings.size() < 4 && std::chrono::steady_clock::now() < deadline) {
        loop.runOnce(1000);
        for (const auto& msg : manager.drain()) {
            EXPECT_EQ(msg, "WATCHDOG=1");
            pings.push_back(std::chrono::steady_clock::now());
        }
    }
    ASSERT_EQ(pings.size(), 4u) << "watchdog pings did not arrive";
    // The first one was overdue (fires at once); later ones keep the period. Lower bound only:
    // an overloaded CI machine may be late but the timer must never run early.
    for (std::size_t i = 2; i < pings.size(); ++i)
        EXPECT_GE(pings[i] - pings[i - 1], 190ms) << "ping " << i << " came early";
}

}  // namespace
