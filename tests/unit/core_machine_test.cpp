// The ProcessMachine driven event by event with a ManualClock: no fork, no real time.
#include "unit/core_machine_fixture.h"

using namespace sup;
using namespace sup::test;

namespace {

using MachineTest = MachineFixture;

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
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGKILL), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(*m.deadline(), now() + 1s);
    EXPECT_EQ(m.restarts(), 1u);
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);
    m.spawned(now());
    clock.advance(1s);
    m.deadlineReached(now());
    ASSERT_EQ(m.state(), ProcessState::Running);
    m.exited(ExitStatus::exited(1), 0, now());
    EXPECT_EQ(*m.deadline(), now() + 2s);  // doubled
    EXPECT_EQ(m.restarts(), 2u);
}

TEST_F(MachineTest, BackoffIsCappedAndResetAfterAStableRun) {
    ProcessMachine m(spec());
    run(m);
    std::vector<Duration> delays;
    for (int i = 0; i < 6; ++i) {
        m.exited(ExitStatus::exited(1), 0, now());
        delays.push_back(std::chrono::duration_cast<Duration>(*m.deadline() - now()));
        clock.advance(*m.deadline() - now());
        m.deadlineReached(now());
        m.spawned(now());
        clock.advance(1s);
        m.deadlineReached(now());
    }
    EXPECT_EQ(delays, (std::vector<Duration>{1s, 2s, 4s, 8s, 8s, 8s}));
    clock.advance(60s);  // a run of reset_after
    m.exited(ExitStatus::exited(1), 0, now());
    EXPECT_EQ(*m.deadline() - now(), 1s);
}

TEST_F(MachineTest, ExitBeforeStartSecondsEndsFatalAfterStartRetries) {
    ProcessMachine m(spec());
    m.start(now());
    for (int attempt = 1; attempt <= 4; ++attempt) {
        m.spawned(now());
        clock.advance(100ms);
        m.exited(ExitStatus::exited(1), 0, now());
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
    m.exited(ExitStatus::exited(127), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(m.spawnError(), "exec /nope: No such file or directory");
    clock.advance(1s);
    m.deadlineReached(now());
    m.spawned(now());
    m.execFailed("exec /nope: No such file or directory", false);
    m.exited(ExitStatus::exited(127), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Fatal);
    EXPECT_NE(m.reason().find("exec /nope"), std::string::npos);
    // The 127 was the failed exec, not the program's: the machine says so.
    EXPECT_EQ(m.lastExecError(), "exec /nope: No such file or directory");
}

TEST_F(MachineTest, AProgramsOwnExitIsNoExecError) {
    ProcessMachine m(spec());
    m.start(now());
    m.spawned(now());
    m.execFailed("exec /nope: No such file or directory", false);
    m.exited(ExitStatus::exited(127), 0, now());
    ASSERT_EQ(m.lastExecError(), "exec /nope: No such file or directory");
    clock.advance(*m.deadline() - now());
    m.deadlineReached(now());
    m.spawned(now());
    m.execSucceeded(now());
    m.exited(ExitStatus::exited(127), 0, now());  // a shell's "command not found"
    EXPECT_EQ(m.lastExecError(), "");
}

TEST_F(MachineTest, OneFailedStartIsSingular) {
    auto s = spec();
    s.startRetries = 0;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.exited(ExitStatus::exited(1), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Fatal);
    EXPECT_NE(m.reason().find("gave up after 1 failed start in a row"), std::string::npos) << m.reason();
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
    m.exited(ExitStatus::exited(127), 0, now());
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
    m.exited(ExitStatus::killed(SIGKILL), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_NE(m.reason().find("killed after stop_timeout"), std::string::npos);
    EXPECT_EQ(m.restarts(), 0u);  // a requested stop is not a crash
}

TEST_F(MachineTest, StopWhileWaitingInBackoffCancelsTheRestart) {
    ProcessMachine m(spec());
    run(m);
    m.exited(ExitStatus::exited(1), 0, now());
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
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, RestartPolicies) {
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::exited(0), 0, now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::exited(2), 0, now());
        EXPECT_EQ(m.state(), ProcessState::Backoff);
    }
    {
        ProcessMachine m(spec(RestartMode::OnFailure));
        run(m);
        m.exited(ExitStatus::killed(SIGTERM), 0, now());  // systemd counts TERM as clean
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        auto s = spec(RestartMode::OnFailure);
        s.successExitCodes = {0, 3};
        ProcessMachine m(s);
        run(m);
        m.exited(ExitStatus::exited(3), 0, now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::Never));
        run(m);
        m.exited(ExitStatus::killed(SIGSEGV), 0, now());
        EXPECT_EQ(m.state(), ProcessState::Exited);
    }
    {
        ProcessMachine m(spec(RestartMode::Always));
        run(m);
        m.exited(ExitStatus::exited(0), 0, now());
        EXPECT_EQ(m.state(), ProcessState::Backoff);
    }
}

TEST_F(MachineTest, ZeroInitialBackoffRestartsAtOnce) {
    auto s = spec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGKILL), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.state(), ProcessState::Backoff);
}

// ---- leftovers: what survives the main process in its group is stopped before anything new runs ----

TEST_F(MachineTest, LeftoversOfACrashAreStoppedBeforeTheRestart) {
    auto s = spec();
    s.backoff.initial = 0ms;
    s.stopSignal = SIGINT;
    ProcessMachine m(s);
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::exited(1), 2, now()), MachineCommand::signalLeftovers(SIGINT));
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_FALSE(m.hasProcess());
    EXPECT_EQ(m.leftovers(), 2u);
    EXPECT_TRUE(m.busy());
    EXPECT_NE(m.reason().find("2 processes left behind"), std::string::npos) << m.reason();
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), now() + 10s);  // stop_timeout, then SIGKILL
    clock.advance(9999ms);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
    clock.advance(1ms);
    EXPECT_EQ(m.deadlineReached(now()), MachineCommand::killLeftovers());
    EXPECT_TRUE(m.busy());
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);  // the restart that waited for them
    EXPECT_FALSE(m.busy());
    EXPECT_EQ(m.leftovers(), 0u);
    EXPECT_FALSE(m.deadline());
    m.spawned(now());
    EXPECT_EQ(m.state(), ProcessState::Starting);
}

TEST_F(MachineTest, LeftoversGoneBeforeTheBackoffDelayLeaveTheRestartToItsDeadline) {
    ProcessMachine m(spec());
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::exited(1), 1, now()).kind, Kind::SignalLeftovers);
    EXPECT_EQ(*m.deadline(), now() + 1s);  // the backoff, earlier than the leftovers' stop_timeout
    clock.advance(500ms);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::None);
    EXPECT_EQ(*m.deadline(), now() + 500ms);
    clock.advance(500ms);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, LeftoversOutlastingTheBackoffDelayHoldTheRestart) {
    ProcessMachine m(spec());
    run(m);
    const TimePoint exit = now();
    m.exited(ExitStatus::exited(1), 1, now());
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // held: they still live
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(*m.deadline(), exit + 10s);  // only the leftovers' deadline is left
    clock.advance(2s);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, OperatorStartWaitsForLeftovers) {
    ProcessMachine m(spec(RestartMode::Never));
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::exited(0), 1, now()).kind, Kind::SignalLeftovers);
    EXPECT_EQ(m.state(), ProcessState::Exited);
    EXPECT_EQ(m.start(now()).kind, Kind::None);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, StopCancelsARestartHeldByLeftovers) {
    auto s = spec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    run(m);
    m.exited(ExitStatus::exited(1), 1, now());
    EXPECT_EQ(m.stop(now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_TRUE(m.busy());  // the leftovers are still being stopped
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::None);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::None);  // twice is harmless
}

TEST_F(MachineTest, KillGroupStopLeavesLeftoversToTheStopDeadline) {
    ProcessMachine m(spec());
    run(m);
    const TimePoint stopAt = now();
    EXPECT_EQ(m.stop(now()), MachineCommand::sendSignal(SIGTERM));  // to the whole group
    clock.advance(2s);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 1, now()).kind, Kind::None);  // already signalled
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_TRUE(m.busy());
    // They got the stop signal too and are normally exiting: nothing was "left behind" (yet).
    EXPECT_NE(m.reason().find("waiting for 1 process of its process group to exit"), std::string::npos)
        << m.reason();
    EXPECT_EQ(m.reason().find("left behind"), std::string::npos) << m.reason();
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), stopAt + 10s);
    clock.advance(8s);
    EXPECT_EQ(m.deadlineReached(now()), MachineCommand::killLeftovers());
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::None);  // nobody asked for a start
    EXPECT_FALSE(m.busy());
    EXPECT_FALSE(m.deadline());
}

TEST_F(MachineTest, KillGroupRestartWaitsForLeftoversOfTheStop) {
    ProcessMachine m(spec());
    run(m);
    EXPECT_EQ(m.restart(now()).kind, Kind::Signal);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 1, now()).kind, Kind::None);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, LeftoversOfAKilledLeaderAreKilledAtOnce) {
    ProcessMachine m(spec());
    run(m);
    m.stop(now());
    clock.advance(10s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Kill);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGKILL), 3, now()), MachineCommand::killLeftovers());
    EXPECT_EQ(*m.deadline(), now() + 5s);  // the grace after SIGKILL
}

TEST_F(MachineTest, WithoutKillGroupTheLeftoversOfAStopGetTheStopSignal) {
    auto s = spec();
    s.killGroup = false;
    s.stopSignal = SIGQUIT;
    ProcessMachine m(s);
    run(m);
    m.stop(now());
    clock.advance(2s);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGQUIT), 1, now()), MachineCommand::signalLeftovers(SIGQUIT));
    EXPECT_EQ(*m.deadline(), now() + 10s);
}

TEST_F(MachineTest, LeftoversThatSurviveSigkillAreGivenUpOn) {
    auto s = spec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    run(m);
    EXPECT_EQ(m.exited(ExitStatus::exited(1), 1, now()).kind, Kind::SignalLeftovers);
    clock.advance(10s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::KillLeftovers);
    clock.advance(4999ms);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
    EXPECT_TRUE(m.busy());
    clock.advance(1ms);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);  // the service must not stay down for them
    EXPECT_FALSE(m.busy());
    EXPECT_EQ(m.leftovers(), 0u);
    EXPECT_NE(m.reason().find("survived SIGKILL"), std::string::npos) << m.reason();
}

// Regression: a restart that waited for leftovers used to count as an operator's fresh start, so a
// service that keeps failing and leaves a stubborn child behind (one that outlives the backoff delay)
// restarted forever: start_retries never ended it FATAL and the backoff never grew.
TEST_F(MachineTest, FailedStartsHeldByLeftoversStillEndFatal) {
    auto s = spec();
    s.startRetries = 1;
    ProcessMachine m(s);
    ASSERT_EQ(m.start(now()).kind, Kind::Spawn);
    m.spawned(now());
    clock.advance(100ms);
    EXPECT_EQ(m.exited(ExitStatus::exited(1), 1, now()).kind, Kind::SignalLeftovers);
    EXPECT_EQ(m.failedStarts(), 1u);
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // held by the leftover
    clock.advance(2s);
    ASSERT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
    EXPECT_EQ(m.failedStarts(), 1u);  // an automatic restart is not a fresh start
    m.spawned(now());
    clock.advance(100ms);
    m.exited(ExitStatus::exited(1), 1, now());
    EXPECT_EQ(m.state(), ProcessState::Fatal) << m.reason();
}

// Regression: same cause as FailedStartsHeldByLeftoversStillEndFatal.
TEST_F(MachineTest, CrashLoopHeldByLeftoversStillGrowsTheBackoff) {
    ProcessMachine m(spec());
    run(m);
    m.exited(ExitStatus::exited(1), 1, now());
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // held
    clock.advance(2s);
    ASSERT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
    m.spawned(now());
    clock.advance(1s);
    m.deadlineReached(now());
    ASSERT_EQ(m.state(), ProcessState::Running);
    m.exited(ExitStatus::exited(1), 0, now());
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), now() + 2s);  // doubled, as without leftovers
}

// ---- deadlines: both kinds due at once, huge durations ----

TEST_F(MachineTest, DueStateDeadlineEarlierThanTheLeftoversOneIsHandledFirst) {
    ProcessMachine m(spec());  // backoff 1s, stop_timeout 10s
    run(m);
    const TimePoint exit = now();
    m.exited(ExitStatus::exited(1), 1, now());
    clock.advance(20s);                                    // both are due
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // the restart, held by the leftover
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), exit + 10s);  // still due: the leftovers' turn
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::KillLeftovers);
    EXPECT_EQ(*m.deadline(), now() + 5s);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
}

TEST_F(MachineTest, DueLeftoversDeadlineEarlierThanTheStateOneIsHandledFirst) {
    auto s = spec();
    s.backoff.initial = 5s;
    s.stopTimeout = 1s;
    ProcessMachine m(s);
    run(m);
    const TimePoint exit = now();
    m.exited(ExitStatus::exited(1), 1, now());
    EXPECT_EQ(*m.deadline(), exit + 1s);
    clock.advance(10s);  // both are due
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::KillLeftovers);
    EXPECT_EQ(*m.deadline(), exit + 5s);                   // still due: the restart's turn
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // held by the leftover
    EXPECT_EQ(*m.deadline(), now() + 5s);                  // the SIGKILL grace
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // nothing due any more
    clock.advance(5s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);  // given up on, the restart proceeds
}

TEST_F(MachineTest, LaterSaturatesInsteadOfOverflowing) {
    const TimePoint t = now();
    EXPECT_EQ(later(t, 5s), t + 5s);
    EXPECT_EQ(later(t, 0ms), t);
    EXPECT_EQ(later(t, -5s), t);
    EXPECT_EQ(later(TimePoint::max() - 1s, 1h), TimePoint::max());
    EXPECT_EQ(later(t, Duration::max()), TimePoint::max());
    EXPECT_EQ(later(TimePoint::max(), 1ms), TimePoint::max());
}

TEST_F(MachineTest, HugeDurationsMeanNeverRatherThanThePast) {
    const Duration millennium = std::chrono::hours(24 * 365 * 1000);
    auto s = spec();
    s.stopTimeout = millennium;
    s.startSeconds = millennium;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    ASSERT_TRUE(m.deadline());
    EXPECT_GT(*m.deadline(), now());  // start_seconds
    EXPECT_EQ(m.stop(now()).kind, Kind::Signal);
    ASSERT_TRUE(m.deadline());
    EXPECT_GT(*m.deadline(), now());  // stop_timeout
    clock.advance(std::chrono::hours(24 * 365));
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);  // no SIGKILL a year later
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    // Leftovers of an exit get the same stop_timeout.
    auto e = spec(RestartMode::Never);
    e.stopTimeout = millennium;
    e.startSeconds = 0ms;
    ProcessMachine c(e);
    c.start(now());
    c.spawned(now());
    c.execSucceeded(now());
    ASSERT_EQ(c.state(), ProcessState::Running);
    EXPECT_EQ(c.exited(ExitStatus::exited(1), 1, now()).kind, Kind::SignalLeftovers);
    ASSERT_TRUE(c.deadline());
    EXPECT_GT(*c.deadline(), now());
}

}  // namespace
