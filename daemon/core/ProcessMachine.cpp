#include "core/ProcessMachine.h"

#include <chrono>

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

ProcessMachine::ProcessMachine(const ServiceSpec& spec) : spec_(spec), backoff_(spec.backoff) {}

void ProcessMachine::setSpec(const ServiceSpec& spec) {
    spec_ = spec;
    backoff_.setSpec(spec.backoff);
}

void ProcessMachine::enter(ProcessState s, TimePoint now, std::string reason) {
    state_ = s;
    stateSince_ = now;
    reason_ = std::move(reason);
}

MachineCommand ProcessMachine::start(TimePoint now) {
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
            (void)now;
            return MachineCommand::spawn();
    }
    return MachineCommand::none();
}

MachineCommand ProcessMachine::stop(TimePoint now) {
    startAfterStop_ = false;
    switch (state_) {
        case ProcessState::Starting:
        case ProcessState::Running:
            enter(ProcessState::Stopping, now, "stop requested, sent SIG" + signalName(spec_.stopSignal));
            deadline_ = now + spec_.stopTimeout;
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

void ProcessMachine::spawned(TimePoint now) {
    waitingForFork_ = false;
    pendingExecError_.reset();
    startedAt_ = now;
    enter(ProcessState::Starting, now, "started");
    deadline_.reset();
    // With start_seconds 0 the exec confirmation (execSucceeded) makes it RUNNING, as systemd's Type=exec.
    if (spec_.startSeconds.count() > 0) deadline_ = now + spec_.startSeconds;
}

void ProcessMachine::execSucceeded(TimePoint now) {
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
    (void)now;
    if (state_ != ProcessState::Backoff || !waitingForFork_) return MachineCommand::none();
    return MachineCommand::spawn();
}

MachineCommand ProcessMachine::failedStart(const std::string& why, TimePoint now) {
    ++failedStarts_;
    if (failedStarts_ > spec_.startRetries) {
        deadline_.reset();
        enter(ProcessState::Fatal, now,
              why + "; gave up after " + std::to_string(failedStarts_) + " failed starts in a row");
        return MachineCommand::none();
    }
    return scheduleRestart(why, now);
}

MachineCommand ProcessMachine::scheduleRestart(const std::string& why, TimePoint now) {
    ++restarts_;
    Duration delay = backoff_.next();
    if (delay.count() == 0) {
        deadline_.reset();
        enter(ProcessState::Backoff, now, why + "; restarting at once");
        return MachineCommand::spawn();
    }
    deadline_ = now + delay;
    enter(ProcessState::Backoff, now, why + "; restarting " + formatDelay(delay));
    return MachineCommand::none();
}

MachineCommand ProcessMachine::exited(const ExitStatus& exit, TimePoint now) {
    lastExit_ = exit;
    const std::string how = exit.describe();
    if (startedAt_) backoff_.observeRun(std::chrono::duration_cast<Duration>(now - *startedAt_));

    switch (state_) {
        case ProcessState::Stopping: {
            deadline_.reset();
            std::string why = killed_ ? "killed after stop_timeout (" + how + ")" : "stopped (" + how + ")";
            enter(ProcessState::Stopped, now, why);
            if (startAfterStop_) {
                startAfterStop_ = false;
                failedStarts_ = 0;
                backoff_.reset();
                return MachineCommand::spawn();
            }
            return MachineCommand::none();
        }
        case ProcessState::Starting: {
            deadline_.reset();
            if (pendingExecError_) {
                std::string err = *pendingExecError_;
                pendingExecError_.reset();
                if (pendingExecTransient_) return waitForFork(err, now);
                return failedStart(err, now);
            }
            if (!shouldRestart(spec_, exit)) {
                enter(ProcessState::Exited, now,
                      how + " before start_seconds; restart: " + toString(spec_.restart));
                return MachineCommand::none();
            }
            return failedStart(how + " before start_seconds (exited too quickly)", now);
        }
        case ProcessState::Running: {
            deadline_.reset();
            if (!shouldRestart(spec_, exit)) {
                enter(ProcessState::Exited, now, how + "; restart: " + toString(spec_.restart));
                return MachineCommand::none();
            }
            return scheduleRestart(how, now);
        }
        case ProcessState::Stopped:
        case ProcessState::Backoff:
        case ProcessState::Exited:
        case ProcessState::Fatal:
            // No process of ours should exist in these states; nothing to do.
            return MachineCommand::none();
    }
    return MachineCommand::none();
}

MachineCommand ProcessMachine::deadlineReached(TimePoint now) {
    if (!deadline_ || now < *deadline_) return MachineCommand::none();
    deadline_.reset();
    switch (state_) {
        case ProcessState::Starting:
            failedStarts_ = 0;
            spawnError_.clear();
            enter(ProcessState::Running, now, "up for start_seconds");
            return MachineCommand::none();
        case ProcessState::Backoff:
            if (waitingForFork_) return MachineCommand::none();
            return MachineCommand::spawn();
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
