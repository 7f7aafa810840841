// Losing the D-Bus connection is not an outage: with the private dbus-daemon killed and started again
// at the same socket (what `systemctl restart dbus` does to the system bus), the services keep running
// with the same pids, STATUS= tells the service manager the bus is away, and the daemon owns
// io.supervisord again and answers supctl once the bus is back. SIGTERM while the bus is away still
// stops everything cleanly.
//
// The services run `sleep 63xx` markers, so TearDown can kill whatever a failing daemon left behind.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// A datagram socket standing in for systemd's NOTIFY_SOCKET: collects what the daemon sends.
class NotifySocket {
  public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            throw std::runtime_error("bind");
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const { return path_; }

    // Every datagram received so far, oldest first.
    const std::vector<std::string>& messages() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0) break;
            messages_.emplace_back(buf, static_cast<std::size_t>(n));
        }
        return messages_;
    }
    // The text of the last STATUS= datagram ("" when none yet).
    std::string lastStatus() {
        std::string last;
        for (auto& m : messages())
            if (m.rfind("STATUS=", 0) == 0) last = m.substr(7);
        return last;
    }

  private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
};

class BusReconnect : public ::testing::Test {
  protected:
    TestBus bus{true};  // restartable: supervisord's address does not pin the first dbus-daemon's guid
    TempDir conf{"supconf"};
    TempDir scratch{"supnotify"};
    std::unique_ptr<NotifySocket> notify;
    std::unique_ptr<Daemon> daemon;
    const std::vector<std::string> markers{"/bin/sleep 6301", "/bin/sleep 6302"};

    void SetUp() override {
        notify = std::make_unique<NotifySocket>(scratch / "notify.sock");
        writeFile(conf / "services.yaml",
                  "services:\n"
                  "  one:\n    command: [\"/bin/sleep\", \"6301\"]\n    start_seconds: 0\n"
                  "  two:\n    command: [\"/bin/sleep\", \"6302\"]\n    start_seconds: 0\n");
        DaemonOptions options;
        options.env["NOTIFY_SOCKET"] = notify->path();
        daemon = std::make_unique<Daemon>(bus, conf.path(), options);
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
        ASSERT_TRUE(waitFor([&] { return runningPid("one") > 0 && runningPid("two") > 0; })) << daemon->log();
    }

    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        daemon.reset();
    }

    // The pid of a RUNNING instance whose process has exec'd its marker; 0 otherwise.
    pid_t runningPid(const std::string& name) const {
        auto p = daemon->process(name);
        if (p.is_null() || p.value("state", "") != "RUNNING") return 0;
        pid_t pid = p.value("pid", 0);
        return pid > 0 && cmdlineOf(pid).rfind("/bin/sleep 63", 0) == 0 ? pid : 0;
    }

    bool logHas(const std::string& text) const { return daemon->log().find(text) != std::string::npos; }
};

TEST_F(BusReconnect, RestartingTheBusKeepsTheServicesAndServesAgain) {
    const pid_t one = runningPid("one");
    const pid_t two = runningPid("two");
    ASSERT_GT(one, 0);
    ASSERT_GT(two, 0);
    ASSERT_TRUE(waitFor([&] { return notify->lastStatus().find("2 running") == 0; }, 10s))
        << notify->lastStatus();

    bus.kill();
    ASSERT_TRUE(waitFor([&] { return logHas("lost the D-Bus connection"); }, 10s)) << daemon->log();
    // The service manager is told, and the services are left alone while the bus is away.
    EXPECT_TRUE(
        waitFor([&] { return notify->lastStatus().find("system bus lost") != std::string::npos; }, 10s))
        << notify->lastStatus();
    EXPECT_TRUE(daemon->running()) << daemon->log();
    EXPECT_EQ(cmdlineOf(one), "/bin/sleep 6301");
    EXPECT_EQ(cmdlineOf(two), "/bin/sleep 6302");
    // It keeps trying (with backoff) while nothing listens on the socket.
    EXPECT_TRUE(waitFor([&] { return logHas("reconnecting to the system bus failed"); }, 10s))
        << daemon->log();

    bus.restart();
    ASSERT_TRUE(waitFor([&] { return daemon->ctl({"status"}).exitCode == 0; }, 15s)) << daemon->log();
    EXPECT_EQ(runningPid("one"), one);
    EXPECT_EQ(runningPid("two"), two);
    EXPECT_TRUE(daemon->running());
    EXPECT_TRUE(logHas("is back")) << daemon->log();
    EXPECT_TRUE(
        waitFor([&] { return notify->lastStatus() == "2 running, 0 starting, 0 backoff, 0 fatal"; }, 10s))
        << notify->lastStatus();
    // The lost bus is logged once, however many attempts it took.
    const std::string log = daemon->log();
    std::size_t count = 0;
    for (auto at = log.find("lost the D-Bus connection"); at != std::string::npos;
         at = log.find("lost the D-Bus connection", at + 1))
        ++count;
    EXPECT_EQ(count, 1u) << log;

    // Everything works on the new bus: a stop goes through, and so does the ObjectManager listing.
    auto stop = daemon->ctl({"stop", "two"});
    EXPECT_EQ(stop.exitCode, 0) << stop.out << stop.err;
    EXPECT_EQ(daemon->stateOf("two"), "STOPPED");
    EXPECT_EQ(cmdlineOf(one), "/bin/sleep 6301");
    auto objects =
        runCommand({"dbus-send", "--bus=" + bus.address(), "--print-reply", "--dest=io.supervisord",
                    "/io/supervisord", "org.freedesktop.DBus.ObjectManager.GetManagedObjects"});
    EXPECT_NE(objects.out.find("/io/supervisord/process/one"), std::string::npos)
        << objects.out << objects.err;

    EXPECT_EQ(daemon->terminate(), 0) << daemon->log();
    EXPECT_FALSE(processExists(one) && !isZombie(one));
}

TEST_F(BusReconnect, ShutdownWhileTheBusIsAwayStopsTheServices) {
    const pid_t one = runningPid("one");
    const pid_t two = runningPid("two");
    bus.kill();
    ASSERT_TRUE(waitFor([&] { return logHas("lost the D-Bus connection"); }, 10s)) << daemon->log();
    EXPECT_TRUE(daemon->running()) << daemon->log();
    EXPECT_EQ(daemon->terminate(20s), 0) << daemon->log();
    EXPECT_TRUE(waitFor([&] { return !(processExists(one) && !isZombie(one)); }, 5s));
    EXPECT_TRUE(waitFor([&] { return !(processExists(two) && !isZombie(two)); }, 5s));
}

}  // namespace
