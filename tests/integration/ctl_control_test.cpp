// supctl changing state on the real daemon: start/stop/restart wait for the outcome (or not, with
// --no-block), a failed start says why, signal, reload, shutdown, and AccessDenied for `nobody`.
#include <gtest/gtest.h>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

constexpr uid_t kNobody = 65534;

using CtlControl = DaemonTest;

TEST_F(CtlControl, StartWaitsUntilRunning) {
    // start_seconds makes RUNNING come a second after the fork: a client that does not wait would
    // return while the process is still STARTING.
    startDaemon(R"(
services:
  slow:
    command: ["/bin/sleep", "1000"]
    autostart: false
    start_seconds: 1s
)");
    auto r = daemon->ctl({"start", "slow"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(daemon->stateOf("slow"), "RUNNING") << daemon->log();
    // Starting what already runs is fine, as in systemctl.
    EXPECT_EQ(daemon->ctl({"start", "slow"}).exitCode, 0);
}

TEST_F(CtlControl, NoBlockReturnsBeforeTheOutcome) {
    startDaemon(R"(
services:
  slow:
    command: ["/bin/sleep", "1000"]
    autostart: false
    start_seconds: 10s
)");
    auto r = daemon->ctl({"start", "--no-block", "slow"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(daemon->stateOf("slow"), "STARTING");
}

TEST_F(CtlControl, AWaitThatTimesOutExitsOneAndSaysWhereItIs) {
    startDaemon(R"(
services:
  slow:
    command: ["/bin/sleep", "1000"]
    autostart: false
    start_seconds: 10s
)");
    auto r = daemon->ctl({"start", "--timeout", "0.3", "slow"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("STARTING"), std::string::npos) << r.err;
}

TEST_F(CtlControl, StartOfAMissingBinaryExitsOneWithTheSpawnError) {
    startDaemon(R"(
services:
  ghost:
    command: ["/nonexistent/binary"]
    autostart: false
    start_retries: 0
)");
    auto r = daemon->ctl({"start", "ghost"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("ghost"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/nonexistent/binary"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

TEST_F(CtlControl, StartOfAnUnknownNameExitsFour) {
    startDaemon("services: {}\n");
    auto r = daemon->ctl({"start", "nope"});
    EXPECT_EQ(r.exitCode, 4) << r.err;
    EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

TEST_F(CtlControl, StopWaitsUntilStopped) {
    startDaemon(R"(
services:
  up:
    command: ["/bin/sh", "-c", "trap 'sleep 0.3; exit 0' TERM; while :; do sleep 0.05; done"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("up", "RUNNING"));
    pid_t pid = daemon->pidOf("up");
    auto r = daemon->ctl({"stop", "up"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(daemon->stateOf("up"), "STOPPED");
    EXPECT_FALSE(processExists(pid) && !isZombie(pid));
    EXPECT_EQ(daemon->ctl({"stop", "up"}).exitCode, 0) << "stopping a stopped process is fine";
}

TEST_F(CtlControl, RestartChangesThePid) {
    startDaemon(R"(
services:
  web:
    command: ["/bin/sleep", "1000"]
    numprocs: 2
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("web@0", "RUNNING"));
    ASSERT_TRUE(daemon->waitState("web@1", "RUNNING"));
    pid_t a = daemon->pidOf("web@0"), b = daemon->pidOf("web@1");
    auto r = daemon->ctl({"restart", "web"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(daemon->stateOf("web@0"), "RUNNING");
    EXPECT_EQ(daemon->stateOf("web@1"), "RUNNING");
    EXPECT_NE(daemon->pidOf("web@0"), a);
    EXPECT_NE(daemon->pidOf("web@1"), b);
    EXPECT_GT(daemon->pidOf("web@0"), 0);
}

TEST_F(CtlControl, SignalReachesTheProcess) {
    startDaemon(R"(
services:
  trapper:
    command: ["/bin/sh", "-c", "trap 'echo got-usr1' USR1; echo ready; while :; do sleep 0.05; done"]
    start_seconds: 0s
)");
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "trapper"}).out.find("ready") != std::string::npos;
    }));
    auto r = daemon->ctl({"signal", "USR1", "trapper"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "trapper"}).out.find("got-usr1") != std::string::npos;
    })) << daemon->ctl({"tail", "trapper"}).out;
    auto bad = daemon->ctl({"signal", "NOTASIGNAL", "trapper"});
    EXPECT_EQ(bad.exitCode, 2) << bad.err;
    EXPECT_EQ(bad.err.rfind("supctl: ", 0), 0u) << bad.err;
    EXPECT_EQ(daemon->stateOf("trapper"), "RUNNING");
}

TEST_F(CtlControl, SignalTakesKillStyleNamesAndNumbers) {
    startDaemon(R"(
services:
  victim:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
    backoff: {initial: 10ms, max: 10ms}
)");
    for (const std::string spelling : {"-9", "KILL", "SIGKILL", "-SIGKILL"}) {
        ASSERT_TRUE(daemon->waitState("victim", "RUNNING")) << daemon->log();
        const pid_t pid = daemon->pidOf("victim");
        auto r = daemon->ctl({"signal", spelling, "victim"});
        EXPECT_EQ(r.exitCode, 0) << spelling << ": " << r.out << r.err;
        EXPECT_TRUE(waitFor([&] { return !processExists(pid) || isZombie(pid); })) << spelling;
        EXPECT_TRUE(waitFor([&] { return daemon->process("victim")["last_exit"] == "signal KILL"; }))
            << spelling << ": " << daemon->process("victim").dump();
        EXPECT_TRUE(waitFor([&] { return daemon->pidOf("victim") != pid && daemon->pidOf("victim") > 0; }));
    }
}

TEST_F(CtlControl, ReloadPrintsWhatChanged) {
    startDaemon(R"(
services:
  keep:
    command: ["/bin/sleep", "1001"]
    start_seconds: 0s
  drop:
    command: ["/bin/sleep", "1002"]
    start_seconds: 0s
)");
    auto same = daemon->ctl({"reload"});
    EXPECT_EQ(same.exitCode, 0) << same.err;
    EXPECT_EQ(same.out, "No changes.\n");
    writeFile(conf / "services.yaml", R"(
services:
  keep:
    command: ["/bin/sleep", "2001"]
    start_seconds: 0s
  fresh:
    command: ["/bin/sleep", "1003"]
    start_seconds: 0s
)");
    auto r = daemon->ctl({"reload"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("added: fresh\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("removed: drop\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("changed: keep\n"), std::string::npos) << r.out;

    writeFile(conf / "services.yaml", "services:\n  keep:\n    command: 42\n    restart: sometimes\n");
    auto bad = daemon->ctl({"reload", "--json"});
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_NE(bad.err.find("configuration refused"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("services.yaml:"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty()) << bad.out;
}

TEST_F(CtlControl, HostWithUserIsRefusedAndTouchesNothing) {
    // The session bus here is the daemon's bus: before the fix --user won over -H and this stopped it.
    startDaemon(R"(
services:
  up:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("up", "RUNNING"));
    const pid_t pid = daemon->pidOf("up");
    for (auto argv :
         std::vector<std::vector<std::string>>{{SUPCTL_BIN, "-H", "prod", "--user", "stop", "all"},
                                               {SUPCTL_BIN, "--user", "-H", "prod", "stop", "all"}}) {
        auto r = runCommand(
            argv, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}, {"DBUS_SESSION_BUS_ADDRESS", bus.address()}});
        EXPECT_EQ(r.exitCode, 1) << "systemctl's exit status for the same refusal\n" << r.out << r.err;
        EXPECT_NE(r.err.find("supctl: cannot access the user instance remotely"), std::string::npos) << r.err;
    }
    EXPECT_EQ(daemon->stateOf("up"), "RUNNING");
    EXPECT_EQ(daemon->pidOf("up"), pid);
}

TEST_F(CtlControl, NobodyMayReadButNotChangeState) {
    startDaemon(R"(
services:
  up:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("up", "RUNNING"));
    auto read = daemon->ctl({"status", "up"}, kNobody);
    EXPECT_EQ(read.exitCode, 0) << read.err;
    auto r = daemon->ctl({"stop", "up"}, kNobody);
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_EQ(r.err.rfind("supctl: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("sudo"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("control_groups"), std::string::npos) << r.err;
    EXPECT_EQ(daemon->ctl({"shutdown"}, kNobody).exitCode, 1);
    EXPECT_EQ(daemon->stateOf("up"), "RUNNING");
}

TEST_F(CtlControl, ShutdownWaitsUntilTheDaemonIsGone) {
    startDaemon(R"(
services:
  up:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("up", "RUNNING"));
    pid_t child = daemon->pidOf("up");
    auto r = daemon->ctl({"shutdown"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(daemon->waitExit(10s), 0) << daemon->log();
    EXPECT_FALSE(processExists(child));
    auto after = daemon->ctl({"status"});
    EXPECT_EQ(after.exitCode, 4) << "status unknown";
    EXPECT_NE(after.err.find("cannot reach supervisord"), std::string::npos) << after.err;
}

}  // namespace
