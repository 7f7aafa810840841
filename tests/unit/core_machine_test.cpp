// The ProcessMachine driven event by event with a ManualClock: no fork, no real time.
#include <gtest/gtest.h>

#include <csignal>

#include "core/ProcessMachine.h"

using namespace sup;
using namespace std::chrono_literals;
using Kind = MachineCommand::Kind;

namespace {

ServiceSpec spec(RestartMode restart = RestartMode::Always) {
    ServiceSpec s;
    s.name = "web";
    s.command = {"/bin/true"};
    s.restart = restart;
    s.startSeconds = 1s;
    s.startRetries = 3;
    s.backoff = {1000ms, 8000ms, 60000ms};
    s.stopTimeout = 10s;
    return s;
}

struct MachineTest : ::testing::Test {
    ManualClock clock;
    TimePoint now() { return clock.now(); }
    // Brings a machine to RUNNING: start, spawned, start_seconds elapse.
    void run(ProcessMachine& m) {
        ASSERT_EQ(m.start(now()).kind, Kind::Spawn);
        m.spawned(now());
        ASSERT_EQ(m.state(), ProcessState::Starting);
        clock.advance(1s);
        m.deadlineReached(now());
        ASSERT_EQ(m.state(), ProcessState::Running);
    }
};

TEST_F(MachineTest, StartsThenRunsAfterStartSeconds) {
    ProcessMachine m(spec());
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_EQ(m.start(now()).kind, Kind::Spawn);
    m.spawned(now());
    EXPECT_EQ(m.state(), ProcessState::Starting);
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), now() + 1s);
    clock.advance(999ms);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Starting);  // not yet
    clock.advance(1ms);
    m.deadlineReached(now());
    EXPECT_EQ(m.state(), ProcessState::Running);
}

TEST_F(MachineTest, ZeroStartSecondsRunsOnExecConfirmation) {
    auto s = spec();
    s.startSeconds = 0ms;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    EXPECT_EQ(m.state(), ProcessState::Starting);
    EXPECT_FALSE(m.deadline());
    m.execSucceeded(now());
    EXPECT_EQ(m.state(), ProcessState::Running);
}

TEST_F(MachineTest, CrashWhileRunningRestartsWithGrowingBackoff) {
    ProcessMachine m(spec());
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGKILL), now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(*m.deadline(), now() + 1s);
    EXPECT_EQ(m.restarts(), 1u);
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);
    m.spawned(now());
    clock.advance(1s);
    m.deadlineReached(now());
    ASSERT_EQ(m.state(), ProcessState::Running);
    m.exited(ExitStatus::exited(1), now());
    EXPECT_EQ(*m.deadline(), now() + 2s);  // doubled
    EXPECT_EQ(m.restarts(), 2u);
}

TEST_F(MachineTest, BackoffIsCappedAndResetAfterAStableRun) {
    ProcessMachine m(spec());
    run(m);
    std::vector<Duration> delays;
    for (int i = 0; i < 6; ++i) {
        m.exited(ExitStatus::exited(1), now());
        delays.push_back(std::chrono::duration_cast<Duration>(*m.deadline() - now()));
        clock.advance(*m.deadline() - now());
        m.deadlineReached(now());
        m.spawned(now());
        clock.advance(1s);
        m.deadlineReached(now());
    }
    EXPECT_EQ(delays, (std::vector<Duration>{1s, 2s, 4s, 8s, 8s, 8s}));
    clock.advance(60s);  // a run of reset_after
    m.exited(ExitStatus::exited(1), now());
    EXPECT_EQ(*m.deadline() - now(), 1s);
}

TEST_F(MachineTest, ExitBeforeStartSecondsEndsFatalAfterStartRetries) {
    ProcessMachine m(spec());
    m.start(now());
    for (int attempt = 1; attempt <= 4; ++attempt) {
        m.spawned(now());
        clock.advance(100ms);
        m.exited(ExitStatus::exited(1), now());
        if (attempt <= 3) {
            ASSERT_EQ(m.state(), ProcessState::Backoff) << attempt;
            clock.advance(*m.deadline() - now());
            ASSERT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);
        }
    }
    EXPECT_EQ(m.state(), ProcessState::Fatal);
    EXPECT_NE(m.reason().find("gave up after 4 failed starts"), std::string::npos) << m.reason();
    EXPECT_FALSE(m.deadline());
    // An operator start is a fresh chance.
    EXPECT_EQ(m.start(now()).kind, Kind::Spawn);
    EXPECT_EQ(m.failedStarts(), 0u);
}

TEST_F(MachineTest, ExecErrorCountsAsFailedStartAndEndsFatal) {
    auto s = spec();
    s.startRetries = 1;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.execFailed("exec /nope: No such file or directory", false);
    m.exited(ExitStatus::exited(127), now());
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(m.spawnError(), "exec /nope: No such file or directory");
    clock.advance(1s);
    m.deadlineReached(now());
    m.spawned(now());
    m.execFailed("exec /nope: No such file or directory", false);
    m.exited(ExitStatus::exited(127), now());
    EXPECT_EQ(m.state(), ProcessState::Fatal);
    EXPECT_NE(m.reason().find("exec /nope"), std::string::npos);
}

TEST_F(MachineTest, TransientForkFailureWaitsForTheGateAndNeverCountsAgainstRetries) {
    auto s = spec();
    s.startRetries = 0;
    ProcessMachine m(s);
    m.start(now());
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(m.spawnFailed("fork: EAGAIN", true, now()).kind, Kind::None);
        EXPECT_EQ(m.state(), ProcessState::Backoff);
        EXPECT_TRUE(m.waitingForFork());
        EXPECT_FALSE(m.deadline());  // the ForkGate owns the timing
        EXPECT_EQ(m.forkAdmitted(now()).kind, Kind::Spawn);
    }
    EXPECT_EQ(m.failedStarts(), 0u);
    m.spawned(now());
    EXPECT_FALSE(m.waitingForFork());
    EXPECT_EQ(m.state(), ProcessState::Starting);
}

TEST_F(MachineTest, ExecEagainFromRlimitNprocIsTransientToo) {
    ProcessMachine m(spec());
    m.start(now());
    m.spawned(now());
    m.execFailed("exec: Resource temporarily unavailable", true);
    m.exited(ExitStatus::exited(127), now());
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_TRUE(m.waitingForFork());
    EXPECT_EQ(m.failedStarts(), 0u);
}

TEST_F(MachineTest, StopSignalsThenKillsAfterStopTimeout) {
    auto s = spec();
    s.stopSignal = SIGINT;
    ProcessMachine m(s);
    run(m);
    auto cmd = m.stop(now());
    EXPECT_EQ(cmd, MachineCommand::sendSignal(SIGINT));
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    clock.advance(9s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Kill);
    m.exited(ExitStatus::killed(SIGKILL), now());
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_NE(m.reason().find("killed after stop_timeout"), std::string::npos);
    EXPECT_EQ(m.restarts(), 0u);  // a requested stop is not a crash
}

TEST_F(MachineTest, StopWhileWaitingInBackoffCancelsTheRestart) {
    ProcessMachine m(spec());
    run(m);
    m.exited(ExitStatus::exited(1), now());
    ASSERT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(m.stop(now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_FALSE(m.deadline());
}

TEST_F(MachineTest, RestartWhileStoppingStartsAgainAfterTheExit) {
    ProcessMachine m(spec());
    run(m);
    m.stop(now());
    EXPECT_EQ(m.start(now()).kind, Kind::None);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, RestartPolicies) {
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::exited(0), now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::exited(2), now());
        EXPECT_EQ(m.state(), ProcessState::Backoff);
    }
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::killed(SIGTERM), now());  // systemd counts TERM as clean
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        auto s = spec(RestartMode::OnFailure);
        s.successExitCodes = {0, 3};
        ProcessMachine m(s);
        run(m);
        m.exited(ExitStatus::exited(3), now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::Never));
        run(m);
        m.exited(ExitStatus::killed(SIGSEGV), now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::Always));
        run(m);
        m.exited(ExitStatus::exited(0), now());
        EXPECT_EQ(m.state(), ProcessState::Backoff);
    }
}

TEST_F(MachineTest, ZeroInitialBackoffRestartsAtOnce) {
    auto s = spec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGKILL), now()).kind, Kind::Spawn);
    EXPECT_EQ(m.state(), ProcessState::Backoff);
}

}  // namespace
