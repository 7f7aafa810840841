// The real daemon with real children on a private bus: restart, FATAL, stop, kill_group, spawn errors,
// descriptors, shutdown.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

class Lifecycle : public DaemonTest {
  protected:
    TempDir work{"supwork"};
};

TEST_F(Lifecycle, KillNineOfAChildRestartsItWithANewPid) {
    startDaemon(R"(
services:
  sleeper:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
    backoff: {initial: 0s}
)");
    ASSERT_TRUE(daemon->waitState("sleeper", "RUNNING")) << daemon->log();
    pid_t first = daemon->pidOf("sleeper");
    ASSERT_GT(first, 0);
    ASSERT_EQ(::kill(first, SIGKILL), 0);
    ASSERT_TRUE(waitFor([&] {
        pid_t p = daemon->pidOf("sleeper");
        return p > 0 && p != first && daemon->stateOf("sleeper") == "RUNNING";
    })) << daemon->log();
    auto p = daemon->process("sleeper");
    EXPECT_EQ(p.value("restarts", 0), 1);
    EXPECT_EQ(p.value("exit_status", 0), 128 + SIGKILL);
}

TEST_F(Lifecycle, ACommandThatExitsAtOnceEndsFatalAfterStartRetries) {
    startDaemon(R"(
services:
  crasher:
    command: ["/bin/sh", "-c", "exit 7"]
    start_seconds: 1s
    start_retries: 2
    backoff: {initial: 50ms, max: 100ms}
)");
    ASSERT_TRUE(daemon->waitState("crasher", "FATAL")) << daemon->log();
    auto p = daemon->process("crasher");
    EXPECT_EQ(p.value("exit_status", -1), 7);
    EXPECT_EQ(p.value("restarts", 0), 2);  // three starts: the first and two retries
    auto log = daemon->log();
    EXPECT_NE(log.find("crasher: STARTING -> FATAL"), std::string::npos) << log;
    EXPECT_NE(log.find("gave up after 3 failed starts"), std::string::npos) << log;
}

TEST_F(Lifecycle, AMissingBinaryIsAClearSpawnErrorAndEndsFatal) {
    startDaemon(R"(
services:
  ghost:
    command: ["/nonexistent/binary", "--flag"]
    start_retries: 1
    backoff: {initial: 10ms}
)");
    ASSERT_TRUE(daemon->waitState("ghost", "FATAL")) << daemon->log();
    auto p = daemon->process("ghost");
    std::string err = p.value("spawn_error", "");
    EXPECT_NE(err.find("/nonexistent/binary"), std::string::npos) << p.dump();
    EXPECT_NE(err.find("No such file or directory"), std::string::npos) << p.dump();
}

TEST_F(Lifecycle, AChildIgnoringSigtermIsKilledAfterStopTimeout) {
    startDaemon(R"(
services:
  stubborn:
    command: ["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]
    start_seconds: 0s
    stop_timeout: 500ms
    kill_group: false
)");
    ASSERT_TRUE(daemon->waitState("stubborn", "RUNNING")) << daemon->log();
    // Wait until the trap is installed (the echo comes after it) before asking it to stop.
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "stubborn"}).out.find("ready") != std::string::npos;
    }));
    auto r = daemon->ctl({"stop", "stubborn"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    ASSERT_TRUE(daemon->waitState("stubborn", "STOPPED")) << daemon->log();
    EXPECT_EQ(daemon->process("stubborn").value("exit_status", 0), 128 + SIGKILL);
    EXPECT_NE(daemon->log().find("did not stop within stop_timeout"), std::string::npos) << daemon->log();
}

TEST_F(Lifecycle, KillGroupAlsoStopsGrandchildren) {
    const std::string pidFile = work / "grandchild.pid";
    startDaemon(R"(
services:
  family:
    command: ["/bin/sh", "-c", "sleep 1000 & echo $! > )" +
                pidFile + R"(; wait"]
    start_seconds: 0s
    kill_group: true
)");
    ASSERT_TRUE(daemon->waitState("family", "RUNNING")) << daemon->log();
    pid_t grandchild = 0;
    ASSERT_TRUE(waitFor([&] {
        grandchild = std::atoi(readFile(pidFile).c_str());
        return grandchild > 0;
    }));
    ASSERT_TRUE(processExists(grandchild));
    EXPECT_EQ(daemon->ctl({"stop", "family"}).exitCode, 0);
    ASSERT_TRUE(daemon->waitState("family", "STOPPED"));
    EXPECT_TRUE(waitFor([&] { return !processExists(grandchild); }))
        << "grandchild " << grandchild << " survived";
}

TEST_F(Lifecycle, AnOrphanedGrandchildIsReapedByTheDaemon) {
    const std::string pidFile = work / "orphan.pid";
    // The child double-forks: the grandchild outlives its parent and re-parents to the subreaper.
    startDaemon(R"(
services:
  parent:
    command: ["/bin/sh", "-c", "sh -c 'sleep 0.3 & echo $! > )" +
                pidFile + R"(.2' ; exec sleep 1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("parent", "RUNNING")) << daemon->log();
    pid_t orphan = 0;
    ASSERT_TRUE(waitFor([&] {
        orphan = std::atoi(readFile(pidFile + ".2").c_str());
        return orphan > 0;
    }));
    // Its parent (the inner sh) exited at once, so the orphan belongs to the daemon now; once it exits
    // it must not linger as a zombie.
    EXPECT_TRUE(waitFor([&] { return !processExists(orphan); }, std::chrono::seconds(10)))
        << "orphan " << orphan << (isZombie(orphan) ? " is a zombie" : " still runs");
    for (pid_t c : childrenOf(daemon->pid())) EXPECT_FALSE(isZombie(c)) << c;
}

TEST_F(Lifecycle, AChildSeesOnlyStdioAndBlockingDescriptors) {
    startDaemon(R"(
services:
  inspect:
    command: ["/bin/sh", "-c", "ls /proc/self/fd; for f in 0 1 2; do grep flags /proc/self/fdinfo/$f; done; exec sleep 1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("inspect", "RUNNING")) << daemon->log();
    std::string out;
    ASSERT_TRUE(waitFor([&] {
        out = daemon->ctl({"tail", "-n", "100", "inspect"}).out;
        return std::count(out.begin(), out.end(), '\n') >= 7;
    })) << out;
    // `ls` itself holds one descriptor (3) for the directory it reads.
    std::istringstream lines(out);
    std::vector<std::string> fds;
    std::string line;
    while (std::getline(lines, line) && line.rfind("flags", 0) != 0) fds.push_back(line);
    EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2", "3"})) << out;
    // Octal flags: O_NONBLOCK is 04000; none of the three may have it.
    std::istringstream flagLines(out);
    int seen = 0;
    while (std::getline(flagLines, line)) {
        if (line.rfind("flags:", 0) != 0) continue;
        ++seen;
        unsigned long flags = std::stoul(line.substr(line.find_first_of("0123456789")), nullptr, 8);
        EXPECT_EQ(flags & O_NONBLOCK, 0u) << line;
    }
    EXPECT_EQ(seen, 3) << out;
}

TEST_F(Lifecycle, SigtermStopsEverythingByPriorityAndLeavesNothing) {
    startDaemon(R"(
services:
  first:
    command: ["/bin/sleep", "1000"]
    priority: 10
    start_seconds: 0s
  last:
    command: ["/bin/sleep", "1000"]
    priority: 900
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("first", "RUNNING"));
    ASSERT_TRUE(daemon->waitState("last", "RUNNING"));
    pid_t a = daemon->pidOf("first"), b = daemon->pidOf("last");
    EXPECT_EQ(daemon->terminate(), 0) << daemon->log();
    EXPECT_FALSE(processExists(a));
    EXPECT_FALSE(processExists(b));
    auto log = daemon->log();
    auto stopLast = log.find("last: RUNNING -> STOPPING");
    auto stopFirst = log.find("first: RUNNING -> STOPPING");
    ASSERT_NE(stopLast, std::string::npos) << log;
    ASSERT_NE(stopFirst, std::string::npos) << log;
    EXPECT_LT(stopLast, stopFirst) << "higher priority numbers stop first";
}

TEST_F(Lifecycle, ASecondDaemonFailsAtOnceNamingTheFirstAndNoStaleLockAfterKill) {
    startDaemon("services: {}\n");
    // Same state directory: the harness passes it explicitly.
    auto second =
        runCommand({SUPERVISORD_BIN, "-c", conf.path(), "--state-dir", daemon->stateDir()},
                   {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}}, std::nullopt, std::chrono::seconds(20));
    EXPECT_EQ(second.exitCode, 1);
    EXPECT_NE(second.err.find("PID " + std::to_string(daemon->pid())), std::string::npos) << second.err;

    ASSERT_EQ(::kill(daemon->pid(), SIGKILL), 0);
    daemon->waitExit();
    // The same state directory (later --state-dir wins): the kernel dropped the dead daemon's flock.
    Daemon third(bus, conf.path(), {"--state-dir", daemon->stateDir()});
    ASSERT_TRUE(third.waitReady()) << third.log();
}

}  // namespace
