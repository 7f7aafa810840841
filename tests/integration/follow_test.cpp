// Follow(): the daemon streams a process's output into a pipe the client holds. A client that stops
// reading must never stall the daemon; it is cut off with a marker line once it falls too far behind.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sdbus-c++/sdbus-c++.h>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// Reads what is available within `timeout`; stops at EOF (eof set) or when `until` appears.
std::string readFor(int fd, std::chrono::milliseconds timeout, const std::string& until, bool& eof) {
    std::string got;
    eof = false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count());
        if (::poll(&p, 1, std::max(left, 0)) <= 0) continue;
        char buf[65536];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) {
            eof = true;
            break;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        got.append(buf, static_cast<std::size_t>(n));
        if (!until.empty() && got.find(until) != std::string::npos) break;
    }
    return got;
}

sdbus::UnixFd follow(const std::string& busAddress, const std::string& name, std::uint32_t lines) {
    auto conn = sdbus::createSessionBusConnectionWithAddress(busAddress);
    auto proxy = sdbus::createProxy(*conn, "io.supervisord", "/io/supervisord");
    sdbus::UnixFd fd;
    proxy->callMethod("Follow")
        .onInterface("io.supervisord.Manager1")
        .withArguments(name, std::string("stdout"), lines)
        .storeResultsTo(fd);
    return fd;
}

using Follow = DaemonTest;

TEST_F(Follow, StreamsTheLastLinesThenNewOutput) {
    startDaemon(R"(
services:
  ticker:
    command: ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done"]
    start_seconds: 0s
    stdout: memory
)");
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "ticker"}).out.find("tick 5\n") != std::string::npos;
    }));
    auto fd = follow(bus.address(), "ticker", 2);
    bool eof = false;
    std::string got = readFor(fd.get(), 10s, "", eof);
    EXPECT_FALSE(eof);
    // It began with two old lines and went on with later ones.
    auto first = std::stoi(got.substr(got.find("tick ") + 5));
    auto last = got.rfind("tick ");
    ASSERT_NE(last, std::string::npos);
    EXPECT_GT(std::stoi(got.substr(last + 5)), first + 10) << got;
}

TEST_F(Follow, AClientThatNeverReadsIsCutOffAndNeverStallsTheDaemon) {
    startDaemon(R"(
services:
  firehose:
    command: ["/usr/bin/yes", "filling the follower's pipe"]
    start_seconds: 0s
    stdout: memory
  quiet:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("firehose", "RUNNING"));
    auto stuck = follow(bus.address(), "firehose", 0);  // held, never read until the end
    // The daemon keeps serving others while the stuck client's pipe is full.
    for (int i = 0; i < 20; ++i) {
        auto r = daemon->ctl({"status", "quiet"});
        ASSERT_EQ(r.exitCode, 0) << r.err << daemon->log();
    }
    EXPECT_EQ(daemon->ctl({"restart", "quiet"}).exitCode, 0);
    // Its pipe holds the start of the stream, then the marker, then EOF: the daemon let it go.
    bool eof = false;
    std::string got = readFor(stuck.get(), 30s, "", eof);
    EXPECT_TRUE(eof) << "the stuck follower was never disconnected";
    EXPECT_NE(got.find("[supervisord: follower too slow"), std::string::npos);
    EXPECT_EQ(daemon->stateOf("firehose"), "RUNNING");
}

}  // namespace
