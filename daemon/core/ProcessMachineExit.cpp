// How the machine takes its process's end and its deadlines: an exit (with what its group left
// behind), the leftovers going, and every timeout (start, ready, stop, leftovers, backoff, watchdog).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "Plural.h"
#include "core/ProcessMachine.h"
#include "core/RestartPolicy.h"

namespace sup {

namespace {
// After SIGKILL to leftovers, how long to wait for them before starting anyway. Only a process stuck
// in the kernel (uninterruptible sleep) outlives SIGKILL that long.
constexpr Duration kLeftoverKillGrace = std::chrono::seconds(5);

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
