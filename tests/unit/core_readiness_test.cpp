// The ProcessMachine's readiness, oneshot, watchdog, health and dependency-hold rules, event by event
// with a ManualClock.
#include "unit/core_machine_fixture.h"

using namespace sup;
using namespace sup::test;

namespace {

using ReadinessTest = MachineFixture;

ServiceSpec notifySpec() {
    auto s = spec();
    s.ready.kind = ProbeKind::Notify;
    s.readyTimeout = 5s;
    return s;
}

TEST_F(ReadinessTest, NotifyStaysStartingPastStartSecondsUntilReady) {
    ProcessMachine m(notifySpec());
    ASSERT_EQ(m.start(now()).kind, Kind::Spawn);
    m.spawned(now());
    m.execSucceeded(now());
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), now() + 5s) << "ready_timeout, not start_seconds";
    clock.advance(2s);
    EXPECT_EQ(m.deadlineReached(now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Starting);
    EXPECT_EQ(m.readyState(), "waiting");
    EXPECT_FALSE(m.isReady());
    m.ready("READY=1", now());
    EXPECT_EQ(m.state(), ProcessState::Running);
    EXPECT_EQ(m.reason(), "ready: READY=1");
    EXPECT_EQ(m.readyState(), "ready");
    EXPECT_TRUE(m.isReady());
    EXPECT_FALSE(m.deadline()) << "no watchdog configured";
}

TEST_F(ReadinessTest, NotReadyWithinReadyTimeoutIsAFailedStartThenFatal) {
    auto s = notifySpec();
    s.startRetries = 1;
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    clock.advance(5s);
    EXPECT_EQ(m.deadlineReached(now()), MachineCommand::sendSignal(SIGTERM));
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    EXPECT_NE(m.reason().find("not ready within ready_timeout (5s)"), std::string::npos) << m.reason();
    // The exit after that stop is a failed start, retried at once (backoff 0).
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_EQ(m.failedStarts(), 1u);
    m.spawned(now());
    clock.advance(5s);
    m.deadlineReached(now());
    m.exited(ExitStatus::killed(SIGTERM), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Fatal);
    EXPECT_NE(m.reason().find("not ready within ready_timeout"), std::string::npos) << m.reason();
}

TEST_F(ReadinessTest, AnOperatorStopDuringTheReadyTimeoutStopIsFinal) {
    ProcessMachine m(notifySpec());
    m.start(now());
    m.spawned(now());
    clock.advance(5s);
    m.deadlineReached(now());
    m.stop(now());
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_EQ(m.failedStarts(), 0u);
}

TEST_F(ReadinessTest, OneshotIsDoneWhenItExitsSuccessfully) {
    auto s = spec(RestartMode::OnFailure);
    s.type = ServiceType::Oneshot;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.execSucceeded(now());
    clock.advance(10s);  // start_seconds does not apply
    EXPECT_EQ(m.state(), ProcessState::Starting);
    EXPECT_FALSE(m.isReady());
    EXPECT_EQ(m.exited(ExitStatus::exited(0), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Exited);
    EXPECT_EQ(m.reason(), "done (exit 0)");
    EXPECT_TRUE(m.isReady());
    EXPECT_EQ(m.readyState(), "done");
    EXPECT_FALSE(m.deadline()) << "not restarted";
}

TEST_F(ReadinessTest, FailingOneshotIsRetriedThenFatalOrFatalAtOnceWithRestartNever) {
    auto s = spec(RestartMode::OnFailure);
    s.type = ServiceType::Oneshot;
    s.startRetries = 1;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.exited(ExitStatus::exited(3), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    clock.advance(1s);
    ASSERT_EQ(m.deadlineReached(now()).kind, Kind::Spawn);
    m.spawned(now());
    m.exited(ExitStatus::exited(3), 0, now());
    EXPECT_EQ(m.state(), ProcessState::Fatal);

    s.restart = RestartMode::Never;
    ProcessMachine never(s);
    never.start(now());
    never.spawned(now());
    never.exited(ExitStatus::exited(3), 0, now());
    EXPECT_EQ(never.state(), ProcessState::Fatal);
    EXPECT_FALSE(never.isReady());
}

TEST_F(ReadinessTest, MissedWatchdogSendsSigabrtAndRestarts) {
    auto s = notifySpec();
    s.watchdog = 3s;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.ready("READY=1", now());
    ASSERT_TRUE(m.deadline());
    EXPECT_EQ(*m.deadline(), now() + 3s);
    clock.advance(2s);
    m.watchdogPing(now());
    EXPECT_EQ(*m.deadline(), now() + 3s) << "WATCHDOG=1 restarts the timer";
    clock.advance(3s);
    EXPECT_EQ(m.deadlineReached(now()), MachineCommand::sendSignal(SIGABRT));
    EXPECT_EQ(m.state(), ProcessState::Stopping);
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGABRT), 0, now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Backoff);
    EXPECT_NE(m.reason().find("watchdog timeout"), std::string::npos) << m.reason();
    EXPECT_EQ(m.restarts(), 1u);
}

TEST_F(ReadinessTest, WatchdogUsecFromTheChildReplacesTheConfiguredTimeout) {
    auto s = notifySpec();
    s.watchdog = 3s;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.ready("READY=1", now());
    m.setWatchdogTimeout(10s, now());
    EXPECT_EQ(*m.deadline(), now() + 10s);
    clock.advance(9s);
    m.watchdogPing(now());
    EXPECT_EQ(*m.deadline(), now() + 10s);
}

TEST_F(ReadinessTest, ExtendTimeoutNeverShortensTheReadyDeadline) {
    ProcessMachine m(notifySpec());
    m.start(now());
    m.spawned(now());
    m.extendTimeout(1s, now());
    EXPECT_EQ(*m.deadline(), now() + 5s);
    clock.advance(4s);
    m.extendTimeout(20s, now());
    EXPECT_EQ(*m.deadline(), now() + 20s);
}

TEST_F(ReadinessTest, HealthFailureStopsGracefullyAndRestarts) {
    auto s = notifySpec();
    s.backoff.initial = 0ms;
    ProcessMachine m(s);
    m.start(now());
    m.spawned(now());
    m.ready("READY=1", now());
    EXPECT_EQ(m.healthFailed("health check failed 3 times: HTTP 503", now()),
              MachineCommand::sendSignal(SIGTERM));
    EXPECT_EQ(m.exited(ExitStatus::killed(SIGTERM), 0, now()).kind, Kind::Spawn);
    EXPECT_NE(m.reason().find("health check failed 3 times: HTTP 503"), std::string::npos) << m.reason();
    EXPECT_EQ(m.healthFailed("x", now()).kind, Kind::None) << "only while RUNNING";
}

TEST_F(ReadinessTest, StartedKindKeepsTheStartSecondsRules) {
    ProcessMachine m(spec());
    m.start(now());
    m.spawned(now());
    EXPECT_EQ(m.ready("READY=1", now()).kind, Kind::None);
    EXPECT_EQ(m.state(), ProcessState::Starting) << "ready() means nothing without a readiness check";
    clock.advance(1s);
    m.deadlineReached(now());
    EXPECT_EQ(m.readyState(), "started");
    EXPECT_TRUE(m.isReady());
}

TEST_F(ReadinessTest, AHeldStartWaitsThenStartsOrIsGivenUp) {
    ProcessMachine m(spec());
    EXPECT_FALSE(m.startComing()) << "STOPPED, nothing asked";
    EXPECT_EQ(m.holdStart("waiting for db (STARTING)", now()).kind, Kind::None);
    EXPECT_TRUE(m.startHeld());
    EXPECT_TRUE(m.startComing()) << "dependents of a held start wait for it";
    EXPECT_EQ(m.state(), ProcessState::Stopped);
    EXPECT_EQ(m.reason(), "waiting for db (STARTING)");
    EXPECT_EQ(m.readyState(), "waiting");
    EXPECT_EQ(m.releaseStart(now()).kind, Kind::Spawn);
    EXPECT_FALSE(m.startHeld());
    EXPECT_EQ(m.releaseStart(now()).kind, Kind::None) << "released once";

    ProcessMachine given(spec());
    given.holdStart("waiting for db (STARTING)", now());
    given.dependencyFailed("dependency failed: db (FATAL)", now());
    EXPECT_FALSE(given.startHeld());
    EXPECT_TRUE(given.blockedByDependency());
    EXPECT_FALSE(given.startComing()) << "given up: what requires it fails too";
    EXPECT_EQ(given.reason(), "dependency failed: db (FATAL)");
    EXPECT_EQ(given.releaseStart(now()).kind, Kind::None);

    ProcessMachine stopped(spec());
    stopped.holdStart("waiting for db (STARTING)", now());
    stopped.stop(now());
    EXPECT_FALSE(stopped.startHeld()) << "a stop cancels the held start";
    EXPECT_EQ(stopped.releaseStart(now()).kind, Kind::None);
}

}  // namespace
