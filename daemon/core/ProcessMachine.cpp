#include "core/ProcessMachine.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "Plural.h"
#include "core/RestartPolicy.h"

namespace sup {

namespace {
std::string formatDelay(Duration d) {
    using namespace std::chrono;
    if (d.count() == 0) return "at once";
    if (d < seconds(1)) return "in " + std::to_string(d.count()) + "ms";
    auto s = duration_cast<duration<double>>(d).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "in %.3gs", s);
    return buf;
}

}  // namespace

TimePoint later(TimePoint now, Duration d) {
    if (d.count() <= 0) return now;
    const auto room = TimePoint::max() - now;
    if (std::chrono::duration_cast<Duration>(room) <= d) return TimePoint::max();
    return now + d;
}

ProcessMachine::ProcessMachine(SharedSpec spec) : spec_(std::move(spec)), backoff_(spec_->backoff) {}

ProcessMachine::ProcessMachine(const ServiceSpec& spec)
    : ProcessMachine(std::make_shared<const ServiceSpec>(spec)) {}

std::optional<TimePoint> ProcessMachine::deadline() const {
    if (deadline_ && leftoverDeadline_) return std::min(*deadline_, *leftoverDeadline_);
    return deadline_ ? deadline_ : leftoverDeadline_;
}

void ProcessMachine::enter(ProcessState s, TimePoint now, std::string reason) {
    state_ = s;
    stateSince_ = now;
    reason_ = std::move(reason);
}

bool ProcessMachine::waitsForReadiness() const {
    return spec_->type == ServiceType::Oneshot || spec_->ready.kind != ProbeKind::Started;
}

bool ProcessMachine::isReady() const {
    return state_ == ProcessState::Running || (state_ == ProcessState::Exited && done_);
}

bool ProcessMachine::startComing() const {
    return startHeld_ || state_ == ProcessState::Starting || state_ == ProcessState::Backoff ||
           (state_ == ProcessState::Stopping && startAfterStop_);
}

std::string ProcessMachine::readyState() const {
    if (state_ == ProcessState::Exited && done_) return "done";
    switch (state_) {
        case ProcessState::Starting:
            return "waiting";
        case ProcessState::Running:
            return waitsForReadiness() ? "ready" : "started";
        case ProcessState::Stopped:
            return startHeld_ ? "waiting" : "";
        default:
            return "";
    }
}

// STARTING's deadline, counted from `since`: ready_timeout when a readiness check decides, else
// start_seconds (0 = RUNNING once the exec is confirmed, as systemd's Type=exec).
void ProcessMachine::armStartDeadline(TimePoint since) {
    if (waitsForReadiness())
        deadline_ = later(since, spec_->readyTimeout);
    else if (spec_->startSeconds.count() > 0)
        deadline_ = later(since, spec_->startSeconds);
    else if (execConfirmed_)
        deadline_ = since;
    else
        deadline_.reset();
}

// ---- the one place a spawn is decided --------------------------------------------------------

MachineCommand ProcessMachine::spawnIfAllowed(TimePoint now) {
    if (final_ || remove_) {
        spawnHeld_ = false;
        return MachineCommand::none();
    }
    if (busy()) {
        spawnHeld_ = true;  // settle() spawns once the leftovers are gone
        return MachineCommand::none();
    }
    spawnHeld_ = false;
    if (nextSpec_) applyNextSpec();
    (void)now;
    return MachineCommand::spawn();
}

void ProcessMachine::applyNextSpec() {
    spec_ = std::move(nextSpec_);
    ++specGeneration_;
    backoff_ = Backoff(spec_->backoff);
    failedStarts_ = 0;
    deadline_.reset();
    waitingForFork_ = false;
}

MachineCommand ProcessMachine::settle(TimePoint now, MachineCommand otherwise) {
    if (busy()) return otherwise;
    if (remove_) return MachineCommand::forget();
    if (nextSpec_) {
        applyNextSpec();
        if (state_ != ProcessState::Stopped) enter(ProcessState::Stopped, now, "replaced by a reload");
    }
    if (startAfterStop_) {  // an operator's (re)start: a fresh attempt
        startAfterStop_ = false;
        failedStarts_ = 0;
        backoff_.reset();
        return spawnIfAllowed(now);
    }
    // An automatic restart that waited for leftovers keeps its count: a crash loop that leaves
    // processes behind must still end FATAL and its backoff must still grow.
    if (spawnHeld_) return spawnIfAllowed(now);
    return otherwise;
}

// ---- operator requests ------------------------------------------------------------------------

MachineCommand ProcessMachine::start(TimePoint now) {
    if (final_ || remove_) return MachineCommand::none();
    switch (state_) {
        case ProcessState::Starting:
        case ProcessState::Running:
            return MachineCommand::none();
        case ProcessState::Stopping:
            startAfterStop_ = true;
            return MachineCommand::none();
        case ProcessState::Stopped:
        case ProcessState::Exited:
        case ProcessState::Fatal:
        case ProcessState::Backoff:
            // An operator's start is a fresh attempt: forget the failures that led to FATAL.
            failedStarts_ = 0;
            backoff_.reset();
            deadline_.reset();
            if (waitingForFork_) return MachineCommand::none();  // already queued at the ForkGate
            return spawnIfAllowed(now);
    }
    return MachineCommand::none();
}

MachineCommand ProcessMachine::stop(TimePoint now) {
    startAfterStop_ = false;
    spawnHeld_ = false;
    startHeld_ = false;
    afterExit_ = AfterExit::Nothing;  // an operator's stop is final, whatever stopped it before
    switch (state_) {
        case ProcessState::Starting:
        case ProcessState::Running:
            enter(ProcessState::Stopping, now, "stop requested, sent SIG" + signalName(spec_->stopSignal));
            deadline_ = later(now, spec_->stopTimeout);
            killed_ = false;
            return MachineCommand::sendSignal(spec_->stopSignal);
        case ProcessState::Backoff:
            waitingForFork_ = false;
            deadline_.reset();
            enter(ProcessState::Stopped, now, "stopped while waiting to start");
            return MachineCommand::none();
        case ProcessState::Stopping:
        case ProcessState::Stopped:
        case ProcessState::Exited:
        case ProcessState::Fatal:
            return MachineCommand::none();
    }
    return MachineCommand::none();
}

MachineCommand ProcessMachine::restart(TimePoint now) {
    if (!hasProcess_) return start(now);
    auto cmd = stop(now);
    if (!final_ && !remove_) startAfterStop_ = true;
    return cmd;
}

// ---- reload and shutdown ----------------------------------------------------------------------

void ProcessMachine::keep(SharedSpec spec) {
    // While a replacement waits, the running process still has the old spec: the new one is the
    // replacement's.
    if (nextSpec_) {
        nextSpec_ = std::move(spec);
        return;
    }
    spec_ = std::move(spec);
    backoff_.setSpec(spec_->backoff);
    // A stop or a start in progress honours the new timeouts, counted from when it began.
    if (state_ == ProcessState::Stopping && !killed_) deadline_ = later(stateSince_, spec_->stopTimeout);
    // (A change of watchdog restarts the process: the child sees WATCHDOG_USEC at exec.)
    if (state_ == ProcessState::Starting) armStartDeadline(stateSince_);
}

MachineCommand ProcessMachine::replace(SharedSpec next, bool startAfter, TimePoint now) {
    remove_ = false;
    startHeld_ = false;
    afterExit_ = AfterExit::Nothing;  // the new spec runs after this exit, whatever stopped it
    nextSpec_ = std::move(next);
    startAfterStop_ = startAfter && !final_;
    spawnHeld_ = false;
    if (hasProcess_) {
        if (state_ == ProcessState::Stopping) return MachineCommand::none();
        const bool start = startAfterStop_;
        auto cmd = stop(now);
        startAfterStop_ = start;
        return cmd;
    }
    if (state_ == ProcessState::Backoff) {
        waitingForFork_ = false;
        deadline_.reset();
    }
    return settle(now, MachineCommand::none());
}

MachineCommand ProcessMachine::remove(TimePoint now) {
    nextSpec_.reset();
    startHeld_ = false;
    auto cmd = stop(now);
    remove_ = true;
    reason_ = "removed by a reload; " + reason_;
    return settle(now, cmd);
}

MachineCommand ProcessMachine::beginShutdown(TimePoint now) {
    final_ = true;
    startAfterStop_ = false;
    startHeld_ = false;
    afterExit_ = AfterExit::Nothing;
    spawnHeld_ = false;
    nextSpec_.reset();  // nothing will run again: the spec stays the one of the process being stopped
    if (state_ == ProcessState::Backoff) {
        waitingForFork_ = false;
        deadline_.reset();
        enter(ProcessState::Stopped, now, "not restarted: supervisord is shutting down");
    }
    return settle(now, MachineCommand::none());
}

// ---- spawn outcomes ---------------------------------------------------------------------------

void ProcessMachine::spawned(TimePoint now) {
    hasProcess_ = true;
    execConfirmed_ = false;
    waitingForFork_ = false;
    killed_ = false;
    pendingExecError_.reset();
    startedAt_ = now;
    done_ = false;
    dependencyFailed_ = false;
    watchdogOverride_.reset();
    afterExit_ = AfterExit::Nothing;
    enter(ProcessState::Starting, now, "started");
    armStartDeadline(now);
}

void ProcessMachine::execSucceeded(TimePoint now) {
    execConfirmed_ = true;
    if (state_ == ProcessState::Starting && !waitsForReadiness() && spec_->startSeconds.count() == 0) {
        failedStarts_ = 0;
        spawnError_.clear();
        enter(ProcessState::Running, now, "started");
    }
}

void ProcessMachine::execFailed(const std::string& error, bool transient) {
    pendingExecError_ = error;
    pendingExecTransient_ = transient;
    spawnError_ = error;
}

MachineCommand ProcessMachine::spawnFailed(const std::string& error, bool transient, TimePoint now) {
    spawnError_ = error;
    if (transient) return waitForFork(error, now);
    return failedStart(error, now);
}

MachineCommand ProcessMachine::waitForFork(const std::string& error, TimePoint now) {
    waitingForFork_ = true;
    deadline_.reset();  // the ForkGate, shared by every waiting instance, decides when to retry
    enter(ProcessState::Backoff, now, error + "; waiting for the limit to clear");
    return MachineCommand::none();
}

MachineCommand ProcessMachine::forkAdmitted(TimePoint now) {
    if (state_ != ProcessState::Backoff || !waitingForFork_) return MachineCommand::none();
    return spawnIfAllowed(now);
}

MachineCommand ProcessMachine::failedStart(const std::string& why, TimePoint now) {
    // A real failure (not a shortage) after the ForkGate admitted it: no longer waiting there, so the
    // restart below is this machine's own deadline again. Left set, that deadline did nothing: the
    // instance stayed in BACKOFF for good (found by the simulation).
    waitingForFork_ = false;
    ++failedStarts_;
    if (failedStarts_ > spec_->startRetries) {
        deadline_.reset();
        enter(ProcessState::Fatal, now,
              why + "; gave up after " + countOf(failedStarts_, "failed start") + " in a row");
        return MachineCommand::none();
    }
    return scheduleRestart(why, now);
}

MachineCommand ProcessMachine::scheduleRestart(const std::string& why, TimePoint now) {
    if (final_) {
        deadline_.reset();
        enter(ProcessState::Stopped, now, why + "; not restarted: supervisord is shutting down");
        return MachineCommand::none();
    }
    ++restarts_;
    Duration delay = backoff_.next();
    if (delay.count() == 0) {
        deadline_.reset();
        enter(ProcessState::Backoff, now, why + "; restarting at once");
        return spawnIfAllowed(now);
    }
    deadline_ = later(now, delay);
    enter(ProcessState::Backoff, now, why + "; restarting " + formatDelay(delay));
    return MachineCommand::none();
}

// ---- exits, leftovers and deadlines -----------------------------------------------------------

}  // namespace sup
