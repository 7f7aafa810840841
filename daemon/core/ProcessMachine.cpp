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
// After SIGKILL to leftovers, how long to wait for them before starting anyway. Only a process stuck
// in the kernel (uninterruptible sleep) outlives SIGKILL that long.
constexpr Duration kLeftoverKillGrace = std::chrono::seconds(5);

std::string formatDelay(Duration d) {
    using namespace std::chrono;
    if (d.count() == 0) return "at once";
    if (d < seconds(1)) return "in " + std::to_string(d.count()) + "ms";
    auto s = duration_cast<duration<double>>(d).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "in %.3gs", s);
    return buf;
}

std::string processes(unsigned n) {
    return countOf(n, "process", "processes");
}

// "90s", "1.5s", "250ms"
std::string formatDuration(Duration d) {
    using namespace std::chrono;
    if (d < seconds(1)) return std::to_string(d.count()) + "ms";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4gs", duration_cast<duration<double>>(d).count());
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

MachineCommand ProcessMachine::exited(const ExitStatus& exit, unsigned leftovers, TimePoint now) {
    if (!hasProcess_) return MachineCommand::none();  // not ours to decide: no main process was known
    hasProcess_ = false;
    lastExit_ = exit;
    lastExecError_ = pendingExecError_.value_or("");
    const std::string how = exit.describe();
    if (startedAt_) backoff_.observeRun(std::chrono::duration_cast<Duration>(now - *startedAt_));
    const bool wasStopping = state_ == ProcessState::Stopping;
    const bool wasKilled = killed_;
    const auto stopDeadline = deadline_;
    // Counted before the outcome is decided, so that a restart waits for them (spawnIfAllowed).
    leftovers_ = leftovers;
    leftBehindAtLastExit_ = leftovers;
    leftoversKilled_ = false;
    leftoverDeadline_.reset();

    MachineCommand outcome = MachineCommand::none();
    switch (state_) {
        case ProcessState::Stopping: {
            deadline_.reset();
            pendingExecError_.reset();
            const AfterExit then = std::exchange(afterExit_, AfterExit::Nothing);
            if (then != AfterExit::Nothing && !remove_ && !nextSpec_ && !final_ && !startAfterStop_) {
                // Stopped by the machine itself (ready_timeout, watchdog, health): not an operator's stop.
                const std::string why =
                    afterExitWhy_ + " (" + (wasKilled ? "killed after stop_timeout, " : "") + how + ")";
                if (then == AfterExit::FailedStart)
                    outcome = failedStart(why, now);
                else if (spec_->restart == RestartMode::Never)
                    enter(ProcessState::Exited, now, why + "; restart: never");
                else
                    outcome = scheduleRestart(why, now);
                break;
            }
            std::string why = wasKilled ? "killed after stop_timeout (" + how + ")" : "stopped (" + how + ")";
            if (remove_) why = "removed by a reload; " + why;
            enter(ProcessState::Stopped, now, why);
            outcome = settle(now, MachineCommand::none());
            break;
        }
        case ProcessState::Starting: {
            deadline_.reset();
            if (pendingExecError_) {
                std::string err = *pendingExecError_;
                pendingExecError_.reset();
                outcome = pendingExecTransient_ ? waitForFork(err, now) : failedStart(err, now);
            } else if (spec_->type == ServiceType::Oneshot) {
                if (isCleanExit(*spec_, exit)) {
                    failedStarts_ = 0;
                    spawnError_.clear();
                    done_ = true;
                    enter(ProcessState::Exited, now, "done (" + how + ")");
                } else if (spec_->restart == RestartMode::Never) {
                    ++failedStarts_;
                    enter(ProcessState::Fatal, now, how + "; restart: never");
                } else {
                    outcome = failedStart(how, now);
                }
            } else if (!shouldRestart(*spec_, exit)) {
                enter(ProcessState::Exited, now,
                      how + (waitsForReadiness() ? " before it was ready" : " before start_seconds") +
                          "; restart: " + toString(spec_->restart));
            } else if (waitsForReadiness()) {
                outcome = failedStart(how + " before it was ready", now);
            } else {
                outcome = failedStart(how + " before start_seconds (exited too quickly)", now);
            }
            break;
        }
        case ProcessState::Running: {
            deadline_.reset();
            if (!shouldRestart(*spec_, exit))
                enter(ProcessState::Exited, now, how + "; restart: " + toString(spec_->restart));
            else
                outcome = scheduleRestart(how, now);
            break;
        }
        case ProcessState::Stopped:
        case ProcessState::Backoff:
        case ProcessState::Exited:
        case ProcessState::Fatal:
            break;
    }
    if (leftovers_ == 0) return outcome;

    // With leftovers alive nothing was spawned (spawnIfAllowed held it): `outcome` is None.
    if (wasStopping && spec_->killGroup && !wasKilled) {
        // They got stop_signal with their leader and are usually exiting already: nothing was left
        // behind yet, they get the rest of stop_timeout.
        reason_ += "; waiting for " + processes(leftovers_) + " of its process group to exit";
    } else {
        reason_ +=
            "; " + processes(leftovers_) + " left behind, stopping " + (leftovers_ == 1 ? "it" : "them");
    }
    if (wasStopping && spec_->killGroup && wasKilled) {
        leftoversKilled_ = true;
        leftoverDeadline_ = later(now, kLeftoverKillGrace);
        return MachineCommand::killLeftovers();
    }
    if (wasStopping && spec_->killGroup && stopDeadline) {
        leftoverDeadline_ = stopDeadline;  // the group got stop_signal together with its leader
        return outcome;
    }
    leftoverDeadline_ = later(now, spec_->stopTimeout);
    return MachineCommand::signalLeftovers(spec_->stopSignal);
}

MachineCommand ProcessMachine::leftoversGone(TimePoint now) {
    if (leftovers_ == 0) return MachineCommand::none();
    leftovers_ = 0;
    leftoversKilled_ = false;
    leftoverDeadline_.reset();
    return settle(now, MachineCommand::none());
}

MachineCommand ProcessMachine::deadlineReached(TimePoint now) {
    const bool stateDue = deadline_ && now >= *deadline_;
    const bool leftoversDue = leftoverDeadline_ && now >= *leftoverDeadline_;
    // The earlier of the two first; the other stays due and is handled by the next call.
    if (leftoversDue && (!stateDue || *leftoverDeadline_ < *deadline_)) {
        if (!leftoversKilled_) {
            leftoversKilled_ = true;
            leftoverDeadline_ = later(now, kLeftoverKillGrace);
            return MachineCommand::killLeftovers();
        }
        // They outlived SIGKILL (stuck in the kernel): the service must not stay down for them.
        reason_ += "; " + processes(leftovers_) + " survived SIGKILL, given up on";
        return leftoversGone(now);
    }
    if (!stateDue) return MachineCommand::none();
    deadline_.reset();
    switch (state_) {
        case ProcessState::Starting:
            if (waitsForReadiness()) {
                const bool oneshot = spec_->type == ServiceType::Oneshot;
                return stopFor(AfterExit::FailedStart,
                               std::string(oneshot ? "not done" : "not ready") + " within ready_timeout (" +
                                   formatDuration(spec_->readyTimeout) + ")",
                               spec_->stopSignal, now);
            }
            failedStarts_ = 0;
            spawnError_.clear();
            enter(ProcessState::Running, now, "up for start_seconds");
            return MachineCommand::none();
        case ProcessState::Running:  // only a watchdog arms a deadline while RUNNING
            return stopFor(AfterExit::Restart, "watchdog timeout", SIGABRT, now);
        case ProcessState::Backoff:
            if (waitingForFork_) return MachineCommand::none();
            return spawnIfAllowed(now);
        case ProcessState::Stopping:
            if (killed_) return MachineCommand::none();
            killed_ = true;
            reason_ = "did not stop within stop_timeout, sent SIGKILL";
            return MachineCommand::kill();
        default:
            return MachineCommand::none();
    }
}

}  // namespace sup

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
