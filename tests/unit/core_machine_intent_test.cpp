// The ProcessMachine's intent: an operator's restart, a reload's keep/replace/remove, a shutdown.
// Driven event by event with a ManualClock: no fork, no real time.
#include "unit/core_machine_fixture.h"

using namespace sup;
using namespace sup::test;

namespace {

// What a reload brings: another command, another stop signal.
ServiceSpec changed(const std::string& arg = "v2") {
    auto s = spec();
    s.command = {"/bin/echo", arg};
    s.stopSignal = SIGINT;
    return s;
}

using MachineIntentTest = MachineFixture;

// ---- restart ----------------------------------------------------------------------------------

TEST_F(MachineIntentTest, RestartWhileRunningSignalsThenSpawnsAfterTheExit) {
    ProcessMachine m(spec());
    run(m);
    EXPECT_EQ(m.restart(now()), MachineCommand::sendSignal(SIGTERM));
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    EXPECT_TRUE(m.wantsStartAfterStop());
    clock.advance(1s);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_FALSE(m.wantsStartAfterStop());
    EXPECT_EQ(m.restarts(), 0u);  // asked for, not a crash
    m.spawned(now());
    EXPECT_EQ(m.state(), ProcessState::Starting);
}

TEST_F(MachineIntentTest, StopAfterRestartCancelsThePendingStart) {
    ProcessMachine m(spec());
    run(m);
    m.restart(now());
    EXPECT_EQ(m.stop(now()).kind, Kind::None);  // already stopping
    EXPECT_FALSE(m.wantsStartAfterStop());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
}

TEST_F(MachineIntentTest, RestartWithoutAProcessStartsAtOnce) {
    ProcessMachine stopped(spec());
    EXPECT_EQ(stopped.restart(now()).kind, Kind::Spawn);

    auto s = spec();
    s.startRetries = 0;
    ProcessMachine fatal(s);
    fail(fatal);
    EXPECT_EQ(fatal.restart(now()).kind, Kind::Spawn);
    EXPECT_EQ(fatal.failedStarts(), 0u);

    ProcessMachine backoff(spec());
    run(backoff);
    backoff.exited(ExitStatus::exited(1), 0, now());
    ASSERT_EQ(backoff.state(), ProcessState::Backoff);
    EXPECT_EQ(backoff.restart(now()).kind, Kind::Spawn);  // no need to wait out the delay
    EXPECT_FALSE(backoff.deadline());
}

// ---- reload: replace and keep -------------------------------------------------------------------

TEST_F(MachineIntentTest, ReplaceWhileRunningStopsTheOldProcessThenRunsTheNewSpec) {
    ProcessMachine m(spec());
    run(m);
    const unsigned generation = m.specGeneration();
    EXPECT_EQ(m.replace(changed(), true, now()), MachineCommand::sendSignal(SIGTERM));  // the old stop_signal
    EXPECT_TRUE(m.replacementPending());
    EXPECT_EQ(m.spec().command, spec().command);  // the running process still has the old spec
    EXPECT_EQ(m.specGeneration(), generation);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
    EXPECT_NE(m.specGeneration(), generation);
    EXPECT_FALSE(m.replacementPending());
    m.spawned(now());
    EXPECT_EQ(m.state(), ProcessState::Starting);
    EXPECT_EQ(m.stop(now()), MachineCommand::sendSignal(SIGINT));  // the new process gets the new one
}

TEST_F(MachineIntentTest, ReplaceWithoutStartLeavesTheNewSpecStopped) {
    ProcessMachine m(spec());
    run(m);
    const unsigned generation = m.specGeneration();
    EXPECT_EQ(m.replace(changed(), false, now()).kind, Kind::Signal);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_EQ(m.spec().command, changed().command);
    EXPECT_NE(m.specGeneration(), generation);
}

TEST_F(MachineIntentTest, ReplaceWithoutAProcessAppliesAtOnce) {
    auto s = spec();
    s.startRetries = 0;
    for (bool startAfter : {true, false}) {
        SCOPED_TRACE(startAfter ? "started after" : "left stopped");
        ProcessMachine fatal(s);
        fail(fatal);
        ProcessMachine exited(spec(RestartMode::Never));
        run(exited);
        exited.exited(ExitStatus::exited(0), 0, now());
        ASSERT_EQ(exited.state(), ProcessState::Exited);
        ProcessMachine stopped(spec());
        for (ProcessMachine* m : {&fatal, &exited, &stopped}) {
            const unsigned generation = m->specGeneration();
            EXPECT_EQ(m->replace(changed(), startAfter, now()).kind, startAfter ? Kind::Spawn : Kind::None);
            EXPECT_EQ(m->spec().command, changed().command);
            EXPECT_NE(m->specGeneration(), generation);
            EXPECT_FALSE(m->replacementPending());
            EXPECT_EQ(m->state(), ProcessState::Stopped);
            EXPECT_EQ(m->failedStarts(), 0u);
        }
    }
}

TEST_F(MachineIntentTest, ReplaceWhileWaitingInBackoffDropsTheOldRestart) {
    ProcessMachine m(spec());
    run(m);
    m.exited(ExitStatus::exited(1), 0, now());
    ASSERT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(m.replace(changed(), false, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_FALSE(m.deadline());
    EXPECT_EQ(m.spec().command, changed().command);
    clock.advance(1s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
}

TEST_F(MachineIntentTest, ReplaceWhileStoppingWaitsForTheExit) {
    ProcessMachine m(spec());
    run(m);
    m.stop(now());
    EXPECT_EQ(m.replace(changed(), true, now()).kind, Kind::None);  // the stop is already under way
    EXPECT_EQ(m.spec().command, spec().command);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
}

TEST_F(MachineIntentTest, StartDuringAPendingReplacementSpawnsTheNewSpec) {
    ProcessMachine m(spec());
    run(m);
    m.replace(changed(), false, now());
    EXPECT_EQ(m.start(now()).kind, Kind::None);  // remembered until the old process is gone
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
}

TEST_F(MachineIntentTest, StartDuringAReplacementHeldByLeftoversSpawnsTheNewSpec) {
    ProcessMachine m(spec(RestartMode::Never));
    run(m);
    ASSERT_EQ(m.exited(ExitStatus::exited(0), 1, now()).kind, Kind::SignalLeftovers);
    EXPECT_EQ(m.replace(changed(), false, now()).kind, Kind::None);
    EXPECT_TRUE(m.replacementPending());  // not while the old group still lives
    EXPECT_EQ(m.start(now()).kind, Kind::None);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
    EXPECT_FALSE(m.replacementPending());
}

TEST_F(MachineIntentTest, KeepDuringAPendingReplacementUpdatesThePendingSpec) {
    ProcessMachine m(spec());
    run(m);
    const unsigned generation = m.specGeneration();
    m.replace(changed("v2"), true, now());
    m.keep(changed("v3"));
    EXPECT_EQ(m.spec().command, spec().command);  // still the running one's
    EXPECT_EQ(m.specGeneration(), generation);
    EXPECT_TRUE(m.replacementPending());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed("v3").command);
}

TEST_F(MachineIntentTest, KeepAppliesInPlaceAndTheProcessKeepsRunning) {
    ProcessMachine m(spec());
    run(m);
    const unsigned generation = m.specGeneration();
    auto s = spec();
    s.where.line = 42;
    s.startRetries = 7;
    m.keep(s);
    EXPECT_EQ(m.spec().where.line, 42);
    EXPECT_EQ(m.spec().startRetries, 7u);
    EXPECT_EQ(m.specGeneration(), generation);
    EXPECT_EQ(m.state(), ProcessState::Running);
    EXPECT_TRUE(m.hasProcess());
}

// ---- reload: remove ---------------------------------------------------------------------------

TEST_F(MachineIntentTest, RemoveWhileRunningStopsThenForgets) {
    ProcessMachine m(spec());
    run(m);
    EXPECT_EQ(m.remove(now()), MachineCommand::sendSignal(SIGTERM));
    EXPECT_TRUE(m.removing());
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Forget);
    EXPECT_NE(m.reason().find("removed by a reload"), std::string::npos) << m.reason();
}

TEST_F(MachineIntentTest, RemoveWithoutAProcessForgetsAtOnce) {
    ProcessMachine stopped(spec());
    EXPECT_EQ(stopped.remove(now()).kind, Kind::Forget);

    ProcessMachine backoff(spec());
    run(backoff);
    backoff.exited(ExitStatus::exited(1), 0, now());
    ASSERT_EQ(backoff.state(), ProcessState::Backoff);
    EXPECT_EQ(backoff.remove(now()).kind, Kind::Forget);
}

TEST_F(MachineIntentTest, RemoveForgetsOnlyOnceTheLeftoversAreGone) {
    ProcessMachine m(spec());
    run(m);
    m.remove(now());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 1, now()).kind, Kind::None);
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Forget);
}

TEST_F(MachineIntentTest, ReplaceAfterRemoveCancelsTheRemoval) {
    ProcessMachine m(spec());
    run(m);
    m.remove(now());
    EXPECT_EQ(m.replace(changed(), true, now()).kind, Kind::None);  // a second reload re-added it
    EXPECT_FALSE(m.removing());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
}

TEST_F(MachineIntentTest, ReplaceAfterRemoveWhileLeftoversRemainSpawnsOnceTheyAreGone) {
    ProcessMachine m(spec());
    run(m);
    m.remove(now());
    ASSERT_EQ(m.exited(ExitStatus::killed(SIGTERM), 1, now()).kind, Kind::None);
    EXPECT_EQ(m.replace(changed(), true, now()).kind, Kind::None);
    EXPECT_FALSE(m.removing());
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::Spawn);
    EXPECT_EQ(m.spec().command, changed().command);
}

TEST_F(MachineIntentTest, RemoveCancelsAPendingReplacement) {
    ProcessMachine m(spec());
    run(m);
    m.replace(changed(), true, now());
    EXPECT_EQ(m.remove(now()).kind, Kind::None);  // already stopping
    EXPECT_FALSE(m.replacementPending());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Forget);
}

TEST_F(MachineIntentTest, StartOrRestartOfARemovingMachineDoesNothing) {
    ProcessMachine m(spec());
    run(m);
    m.remove(now());
    EXPECT_EQ(m.start(now()).kind, Kind::None);
    EXPECT_EQ(m.restart(now()).kind, Kind::None);
    EXPECT_FALSE(m.wantsStartAfterStop());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Forget);
}

// ---- shutdown ---------------------------------------------------------------------------------

TEST_F(MachineIntentTest, ShutdownInBackoffStopsAndNeverSpawns) {
    ProcessMachine m(spec());
    run(m);
    m.exited(ExitStatus::exited(1), 0, now());
    ASSERT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_EQ(m.beginShutdown(now()).kind, Kind::None);
    EXPECT_TRUE(m.finalStop());
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_FALSE(m.deadline());
    clock.advance(1s);  // the old restart's deadline
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
}

TEST_F(MachineIntentTest, ShutdownCancelsARestartPendingInStopping) {
    ProcessMachine m(spec());
    run(m);
    m.restart(now());
    EXPECT_EQ(m.beginShutdown(now()).kind, Kind::None);
    EXPECT_FALSE(m.wantsStartAfterStop());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
}

TEST_F(MachineIntentTest, ShutdownRefusesForkAdmission) {
    ProcessMachine waiting(spec());
    ASSERT_EQ(waiting.start(now()).kind, Kind::Spawn);
    waiting.spawnFailed("fork: EAGAIN", true, now());
    ASSERT_TRUE(waiting.waitingForFork());
    waiting.beginShutdown(now());
    EXPECT_EQ(waiting.forkAdmitted(now()).kind, Kind::None);

    // The spawn was asked for before the shutdown and failed after it.
    ProcessMachine late(spec());
    ASSERT_EQ(late.start(now()).kind, Kind::Spawn);
    late.beginShutdown(now());
    EXPECT_EQ(late.spawnFailed("fork: EAGAIN", true, now()).kind, Kind::None);
    EXPECT_EQ(late.forkAdmitted(now()).kind, Kind::None);
}

TEST_F(MachineIntentTest, NothingStartsAfterShutdown) {
    ProcessMachine m(spec());
    m.beginShutdown(now());
    EXPECT_EQ(m.start(now()).kind, Kind::None);
    EXPECT_EQ(m.restart(now()).kind, Kind::None);
    EXPECT_EQ(m.replace(changed(), true, now()).kind, Kind::None);
    EXPECT_EQ(m.spec().command, changed().command);  // applied, but not started
}

TEST_F(MachineIntentTest, RestartDuringShutdownDoesNotStartAgain) {
    ProcessMachine m(spec());
    run(m);
    m.beginShutdown(now());
    m.restart(now());
    EXPECT_FALSE(m.wantsStartAfterStop());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::None);
}

TEST_F(MachineIntentTest, CrashDuringShutdownIsNotRestarted) {
    for (Duration initial : {Duration{0}, Duration{1000}}) {
        SCOPED_TRACE(initial.count());
        auto s = spec();
        s.backoff.initial = initial;
        ProcessMachine m(s);
        run(m);
        m.beginShutdown(now());  // the owner has not asked this one to stop yet
        EXPECT_EQ(m.exited(ExitStatus::exited(1), 0, now()).kind, Kind::None);
        clock.advance(1s);
        EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
        EXPECT_FALSE(m.busy());
        EXPECT_EQ(m.stop(now()).kind, Kind::None);  // then it does
        EXPECT_NE(m.state(), ProcessState::Starting);
    }
}

TEST_F(MachineIntentTest, ShutdownDropsASpawnHeldByLeftovers) {
    auto s = spec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    run(m);
    ASSERT_EQ(m.exited(ExitStatus::exited(1), 1, now()).kind, Kind::SignalLeftovers);
    EXPECT_EQ(m.beginShutdown(now()).kind, Kind::None);
    EXPECT_TRUE(m.busy());
    EXPECT_EQ(m.leftoversGone(now()).kind, Kind::None);
    EXPECT_FALSE(m.busy());
}

}  // namespace
