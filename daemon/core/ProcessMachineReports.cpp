// The machine's answers to what happens around its process rather than to it: what it depends on
// (held, released, failed), readiness reports, the watchdog, EXTEND_TIMEOUT and health checks.
#include <signal.h>

#include <algorithm>

#include "core/ProcessMachine.h"

namespace sup {

// ---- dependencies -------------------------------------------------------------------------------

MachineCommand ProcessMachine::holdStart(const std::string& why, TimePoint now) {
    if (final_ || remove_) return MachineCommand::none();
    if (hasProcess_ || state_ == ProcessState::Starting || state_ == ProcessState::Running ||
        state_ == ProcessState::Stopping)
        return start(now);  // nothing to wait for: a process is (or will be) there anyway
    startHeld_ = true;
    dependencyFailed_ = false;
    failedStarts_ = 0;
    backoff_.reset();
    waitingForFork_ = false;
    deadline_.reset();
    enter(ProcessState::Stopped, now, why);
    return MachineCommand::none();
}

MachineCommand ProcessMachine::releaseStart(TimePoint now) {
    if (!startHeld_) return MachineCommand::none();
    startHeld_ = false;
    return start(now);
}

MachineCommand ProcessMachine::dependencyFailed(const std::string& why, TimePoint now) {
    startHeld_ = false;
    if (busy() || isActive(state_)) return MachineCommand::none();
    dependencyFailed_ = true;
    enter(ProcessState::Stopped, now, why);
    return MachineCommand::none();
}

// ---- readiness and liveness ---------------------------------------------------------------------

MachineCommand ProcessMachine::stopFor(AfterExit then, const std::string& why, int sig, TimePoint now) {
    afterExit_ = then;
    afterExitWhy_ = why;
    enter(ProcessState::Stopping, now, why + ", sent SIG" + signalName(sig));
    deadline_ = later(now, spec_->stopTimeout);
    killed_ = false;
    return MachineCommand::sendSignal(sig);
}

MachineCommand ProcessMachine::ready(const std::string& how, TimePoint now) {
    if (state_ != ProcessState::Starting || !waitsForReadiness() || spec_->type == ServiceType::Oneshot)
        return MachineCommand::none();
    failedStarts_ = 0;
    spawnError_.clear();
    enter(ProcessState::Running, now, "ready: " + how);
    deadline_.reset();
    if (watchdogTimeout().count() > 0) deadline_ = later(now, watchdogTimeout());
    return MachineCommand::none();
}

MachineCommand ProcessMachine::watchdogPing(TimePoint now) {
    if (state_ == ProcessState::Running && waitsForReadiness() && watchdogTimeout().count() > 0)
        deadline_ = later(now, watchdogTimeout());
    return MachineCommand::none();
}

MachineCommand ProcessMachine::setWatchdogTimeout(Duration timeout, TimePoint now) {
    if (!hasProcess_ || timeout.count() <= 0) return MachineCommand::none();
    watchdogOverride_ = timeout;
    return watchdogPing(now);  // systemd restarts the timer with the new value
}

MachineCommand ProcessMachine::watchdogTrigger(TimePoint now) {
    if (state_ != ProcessState::Running) return MachineCommand::none();
    return stopFor(AfterExit::Restart, "watchdog timeout (WATCHDOG=trigger)", SIGABRT, now);
}

MachineCommand ProcessMachine::extendTimeout(Duration extra, TimePoint now) {
    const bool starting = state_ == ProcessState::Starting && waitsForReadiness();
    const bool stopping = state_ == ProcessState::Stopping && !killed_;
    if (!(starting || stopping) || !deadline_) return MachineCommand::none();
    deadline_ = std::max(*deadline_, later(now, extra));  // as systemd: never shortens it
    return MachineCommand::none();
}

MachineCommand ProcessMachine::healthFailed(const std::string& why, TimePoint now) {
    if (state_ != ProcessState::Running) return MachineCommand::none();
    return stopFor(AfterExit::Restart, why, spec_->stopSignal, now);
}

}  // namespace sup
