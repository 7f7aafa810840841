#include "core/ProcessMachine.h"

#include <chrono>
#include <cstdio>

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
}  // namespace

TimePoint later(TimePoint now, Duration d) {
    if (d.count() <= 0) return now;
    const auto room = TimePoint::max() - now;
    if (std::chrono::duration_cast<Duration>(room) <= d) return TimePoint::max();
    return now + d;
}

ProcessMachine::ProcessMachine(const ServiceSpec& spec) : spec_(spec), backoff_(spec.backoff) {}

std::optional<TimePoint> ProcessMachine::deadline() const {
    if (deadline_ && leftoverDeadline_) return std::min(*deadline_, *leftoverDeadline_);
    return deadline_ ? deadline_ : leftoverDeadline_;
}

void ProcessMachine::enter(ProcessState s, TimePoint now, std::string reason) {
    state_ = s;
    stateSince_ = now;
    reason_ = std::move(reason);
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
    spec_ = std::move(*nextSpec_);
    nextSpec_.reset();
    ++specGeneration_;
    backoff_ = Backoff(spec_.backoff);
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
    switch (state_) {
        case ProcessState::Starting:
        case ProcessState::Running:
            enter(ProcessState::Stopping, now, "stop requested, sent SIG" + signalName(spec_.stopSignal));
            deadline_ = later(now, spec_.stopTimeout);
            killed_ = false;
            return MachineCommand::sendSignal(spec_.stopSignal);
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

void ProcessMachine::keep(const ServiceSpec& spec) {
    // While a replacement waits, the running process still has the old spec: the new one is the
    // replacement's.
    if (nextSpec_) {
        nextSpec_ = spec;
        return;
    }
    spec_ = spec;
    backoff_.setSpec(spec.backoff);
    // A stop or a start in progress honours the new timeouts, counted from when it began.
    if (state_ == ProcessState::Stopping && !killed_) deadline_ = later(stateSince_, spec_.stopTimeout);
    if (state_ == ProcessState::Starting) {
        if (spec_.startSeconds.count() > 0)
            deadline_ = later(stateSince_, spec_.startSeconds);
        else if (execConfirmed_)
            deadline_ = stateSince_;  // start_seconds 0 and it has exec'd: RUNNING at once
        else
            deadline_.reset();  // the exec confirmation makes it RUNNING
    }
}

MachineCommand ProcessMachine::replace(const ServiceSpec& next, bool startAfter, TimePoint now) {
    remove_ = false;
    nextSpec_ = next;
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
    auto cmd = stop(now);
    remove_ = true;
    reason_ = "removed by a reload; " + reason_;
    return settle(now, cmd);
}

MachineCommand ProcessMachine::beginShutdown(TimePoint now) {
    final_ = true;
    startAfterStop_ = false;
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
    enter(ProcessState::Starting, now, "started");
    deadline_.reset();
    // With start_seconds 0 the exec confirmation (execSucceeded) makes it RUNNING, as systemd's Type=exec.
    if (spec_.startSeconds.count() > 0) deadline_ = later(now, spec_.startSeconds);
}

void ProcessMachine::execSucceeded(TimePoint now) {
    execConfirmed_ = true;
    if (state_ == ProcessState::Starting && spec_.startSeconds.count() == 0) {
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
    if (failedStarts_ > spec_.startRetries) {
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
            } else if (!shouldRestart(spec_, exit)) {
                enter(ProcessState::Exited, now,
                      how + " before start_seconds; restart: " + toString(spec_.restart));
            } else {
                outcome = failedStart(how + " before start_seconds (exited too quickly)", now);
            }
            break;
        }
        case ProcessState::Running: {
            deadline_.reset();
            if (!shouldRestart(spec_, exit))
                enter(ProcessState::Exited, now, how + "; restart: " + toString(spec_.restart));
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
    if (wasStopping && spec_.killGroup && !wasKilled) {
        // They got stop_signal with their leader and are usually exiting already: nothing was left
        // behind yet, they get the rest of stop_timeout.
        reason_ += "; waiting for " + processes(leftovers_) + " of its process group to exit";
    } else {
        reason_ +=
            "; " + processes(leftovers_) + " left behind, stopping " + (leftovers_ == 1 ? "it" : "them");
    }
    if (wasStopping && spec_.killGroup && wasKilled) {
        leftoversKilled_ = true;
        leftoverDeadline_ = later(now, kLeftoverKillGrace);
        return MachineCommand::killLeftovers();
    }
    if (wasStopping && spec_.killGroup && stopDeadline) {
        leftoverDeadline_ = stopDeadline;  // the group got stop_signal together with its leader
        return outcome;
    }
    leftoverDeadline_ = later(now, spec_.stopTimeout);
    return MachineCommand::signalLeftovers(spec_.stopSignal);
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
            failedStarts_ = 0;
            spawnError_.clear();
            enter(ProcessState::Running, now, "up for start_seconds");
            return MachineCommand::none();
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
