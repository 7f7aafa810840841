// The whole life of one process instance, as a pure state machine that also owns what the operator,
// a reload and a shutdown want of it (its intent). It is told what happened (a request, a spawn
// outcome, an exit, a deadline) and answers with what to do; it never does it. Time is passed in, so
// tests and the simulation drive it without forking and without a real clock.
//
// States (what the process is doing):
//   STOPPED --start--> (spawn) STARTING --start_seconds--> RUNNING
//   STARTING --exit--> BACKOFF (failed start) --deadline--> (spawn) ... --start_retries--> FATAL
//   RUNNING --exit--> BACKOFF (restart policy says yes) | EXITED (it says no)
//   STARTING/RUNNING --stop--> STOPPING --exit--> STOPPED;  STOPPING --stop_timeout--> SIGKILL
//   any spawn that fails with EAGAIN/ENOMEM --> BACKOFF waiting for fork (the ForkGate decides when)
//
// Intent (what should happen next; only this class holds it):
//   startAfterStop_  a restart (or start) arrived while STOPPING: spawn once the process is gone
//   nextSpec_        a reload changed the spec: run the new one once the old process is gone
//   remove_          a reload removed it: Forget once nothing of it lives
//   final_           the daemon is shutting down: nothing may spawn again, ever
//
// Leftovers: when the main process exits and members of its process group survive (a program that
// backgrounds a child and exits), the group is stopped (stop_signal, SIGKILL after stop_timeout)
// before anything new is spawned. systemd does the same with KillMode=control-group.
//
// Readiness: with `ready: started` (the default) STARTING becomes RUNNING after start_seconds. With
// any other check it becomes RUNNING when the owner reports ready() (READY=1, a probe, a log line),
// and a start not ready within ready_timeout is stopped and counted as a failed start. A oneshot is
// STARTING until it exits: successfully = EXITED "done" (ready), otherwise a failed start. While
// RUNNING, a missed watchdog (SIGABRT) or a failed health check (stop_signal) stops the process and
// restarts it by its restart policy.
//
// Dependencies: the owner may hold an operator's start until what the instance depends on is ready
// (holdStart / releaseStart), or give it up because a dependency failed (dependencyFailed).
//
// Every Spawn the machine answers with goes through one gate (spawnIfAllowed), which is where the
// shutdown and leftover rules are enforced; nothing else may start a process.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ServiceSpec.h"
#include "core/Backoff.h"
#include "core/Clock.h"
#include "core/ExitStatus.h"
#include "core/ProcessState.h"

namespace sup {

struct MachineCommand {
    enum class Kind {
        None,
        Spawn,            // start a new main process with spec()
        Signal,           // send `signal` to the main process (its group when kill_group)
        Kill,             // SIGKILL the main process (its group when kill_group): stop_timeout passed
        SignalLeftovers,  // send `signal` to what is left of the exited main process's group
        KillLeftovers,    // SIGKILL what is left of it
        Forget,           // removed and nothing of it lives: drop the instance
    };
    Kind kind = Kind::None;
    int signal = 0;  // for Signal and SignalLeftovers

    static MachineCommand none() { return {}; }
    static MachineCommand spawn() { return {Kind::Spawn, 0}; }
    static MachineCommand sendSignal(int sig) { return {Kind::Signal, sig}; }
    static MachineCommand kill() { return {Kind::Kill, 9}; }
    static MachineCommand signalLeftovers(int sig) { return {Kind::SignalLeftovers, sig}; }
    static MachineCommand killLeftovers() { return {Kind::KillLeftovers, 9}; }
    static MachineCommand forget() { return {Kind::Forget, 0}; }
    bool operator==(const MachineCommand&) const = default;
};

// `now + d` that saturates instead of overflowing (a stop_timeout meant as "never").
TimePoint later(TimePoint now, Duration d);

class ProcessMachine {
  public:
    explicit ProcessMachine(SharedSpec spec);
    // A private copy of `spec` (tests, and callers without a shared one).
    explicit ProcessMachine(const ServiceSpec& spec);

    const ServiceSpec& spec() const { return *spec_; }
    // Changes whenever spec() is replaced by a reload's new spec (the owner reopens its log sinks).
    unsigned specGeneration() const { return specGeneration_; }

    ProcessState state() const { return state_; }
    const std::string& reason() const { return reason_; }
    // The earliest moment deadlineReached() has something to do.
    std::optional<TimePoint> deadline() const;
    bool waitingForFork() const { return waitingForFork_; }
    unsigned restarts() const { return restarts_; }
    unsigned failedStarts() const { return failedStarts_; }
    const std::optional<ExitStatus>& lastExit() const { return lastExit_; }
    const std::string& spawnError() const { return spawnError_; }
    // The error the child reported before its last exit, when that exit was its failed exec (its 127
    // says nothing more); "" when the last exit was the program's own.
    const std::string& lastExecError() const { return lastExecError_; }
    TimePoint stateSince() const { return stateSince_; }
    std::optional<TimePoint> startedAt() const { return startedAt_; }
    unsigned leftovers() const { return leftovers_; }  // processes left behind, being stopped
    // How many the last exit of the main process left behind (0 = none), kept until the next exit.
    unsigned leftBehindAtLastExit() const { return leftBehindAtLastExit_; }

    // Something of this instance lives: its main process, or leftovers being stopped.
    bool hasProcess() const { return hasProcess_; }
    bool busy() const { return hasProcess_ || leftovers_ > 0; }
    bool removing() const { return remove_; }
    bool finalStop() const { return final_; }
    bool replacementPending() const { return nextSpec_ != nullptr; }
    bool wantsStartAfterStop() const { return startAfterStop_; }
    // Readiness, for dependents: RUNNING (ready by its check), or a oneshot that is done.
    bool isReady() const;
    // Not ready, but a start is under way or will come without a new command: held for dependencies,
    // STARTING, BACKOFF, or STOPPING with a start to follow. Dependents wait for such an instance;
    // for any other one that is not ready, what requires it fails.
    bool startComing() const;
    bool isDone() const { return done_; }
    // "started" / "waiting" / "ready" / "done" / "" (no process and none coming): ReadyState on D-Bus.
    std::string readyState() const;
    bool startHeld() const { return startHeld_; }
    bool blockedByDependency() const { return dependencyFailed_; }
    // True when STARTING waits for a readiness signal rather than for start_seconds.
    bool waitsForReadiness() const;

    // Operator requests.
    MachineCommand start(TimePoint now);    // None when STARTING/RUNNING; remembered when STOPPING
    MachineCommand stop(TimePoint now);     // also cancels any start that was remembered
    MachineCommand restart(TimePoint now);  // stop if a process lives, then start

    // Reload. keep(): same runtime, applied in place (the process keeps running). replace(): stop the
    // old process (if any), then run `next`, started when `startAfter`. remove(): stop, then Forget.
    // A later replace() of an instance being removed cancels the removal (a second reload re-added it).
    void keep(SharedSpec spec);
    MachineCommand replace(SharedSpec next, bool startAfter, TimePoint now);
    void keep(const ServiceSpec& spec) { keep(std::make_shared<const ServiceSpec>(spec)); }
    MachineCommand replace(const ServiceSpec& next, bool startAfter, TimePoint now) {
        return replace(std::make_shared<const ServiceSpec>(next), startAfter, now);
    }
    MachineCommand remove(TimePoint now);

    // Dependencies. holdStart: a start is wanted but waits (STOPPED, reason `why`); releaseStart
    // starts it; dependencyFailed gives it up (STOPPED, reason `why`). stop() cancels a held start.
    MachineCommand holdStart(const std::string& why, TimePoint now);
    MachineCommand releaseStart(TimePoint now);
    MachineCommand dependencyFailed(const std::string& why, TimePoint now);

    // Readiness and liveness reports (ignored in states where they mean nothing).
    MachineCommand ready(const std::string& how, TimePoint now);  // READY=1, a probe passed, a log line
    MachineCommand watchdogPing(TimePoint now);                   // WATCHDOG=1
    MachineCommand setWatchdogTimeout(Duration timeout, TimePoint now);  // WATCHDOG_USEC=
    MachineCommand watchdogTrigger(TimePoint now);                       // WATCHDOG=trigger
    MachineCommand extendTimeout(Duration extra, TimePoint now);         // EXTEND_TIMEOUT_USEC=
    MachineCommand healthFailed(const std::string& why, TimePoint now);  // `failures` misses in a row
    Duration watchdogTimeout() const { return watchdogOverride_.value_or(spec_->watchdog); }

    // Shutdown: from now on nothing spawns. Cancels restarts that wait; the stop itself is asked with
    // stop() (the owner stops priority levels in order).
    MachineCommand beginShutdown(TimePoint now);

    // Outcomes of a Spawn command.
    void spawned(TimePoint now);        // a child exists
    void execSucceeded(TimePoint now);  // the exec-status pipe closed without an error
    void execFailed(const std::string& error, bool transient);  // the child reported an error before exec
    MachineCommand spawnFailed(const std::string& error, bool transient, TimePoint now);  // no child at all
    MachineCommand forkAdmitted(TimePoint now);  // the ForkGate lets a waiting instance try again

    // The main process ended; `leftovers` processes of its group are still alive.
    MachineCommand exited(const ExitStatus& exit, unsigned leftovers, TimePoint now);
    // The leftovers of the last exit are gone (or were given up on).
    MachineCommand leftoversGone(TimePoint now);
    MachineCommand deadlineReached(TimePoint now);

  private:
    void enter(ProcessState s, TimePoint now, std::string reason);
    MachineCommand failedStart(const std::string& why, TimePoint now);
    MachineCommand scheduleRestart(const std::string& why, TimePoint now);
    MachineCommand waitForFork(const std::string& error, TimePoint now);
    // The one place a Spawn is answered. Held back while leftovers are being stopped, refused during
    // shutdown, and preceded by the pending replacement spec.
    MachineCommand spawnIfAllowed(TimePoint now);
    // Nothing of the old process lives: apply pending replacement/removal, then what the intent says.
    MachineCommand settle(TimePoint now, MachineCommand otherwise);
    void applyNextSpec();
    // Stops a live process for a reason of the machine's own; its exit then means `then`.
    enum class AfterExit { Nothing, FailedStart, Restart };
    MachineCommand stopFor(AfterExit then, const std::string& why, int sig, TimePoint now);
    void armStartDeadline(TimePoint since);

    SharedSpec spec_;  // never null; shared with the configuration and the service's other instances
    unsigned specGeneration_ = 0;
    ProcessState state_ = ProcessState::Stopped;
    std::string reason_ = "not started";
    std::optional<TimePoint> deadline_;          // the state's: start_seconds, restart, stop_timeout
    std::optional<TimePoint> leftoverDeadline_;  // SIGKILL the leftovers, then give up on them
    TimePoint stateSince_{};
    std::optional<TimePoint> startedAt_;
    Backoff backoff_;
    unsigned failedStarts_ = 0;  // in a row; reset on RUNNING and on an operator start
    unsigned restarts_ = 0;      // automatic restarts scheduled since this instance was created
    bool hasProcess_ = false;
    bool execConfirmed_ = false;  // the current process has exec'd
    bool waitingForFork_ = false;
    bool killed_ = false;  // SIGKILL sent after stop_timeout
    unsigned leftovers_ = 0;
    unsigned leftBehindAtLastExit_ = 0;
    bool leftoversKilled_ = false;
    bool spawnHeld_ = false;  // a spawn waits for the leftovers to go

    bool done_ = false;                         // a oneshot's last run succeeded
    std::optional<Duration> watchdogOverride_;  // WATCHDOG_USEC= of the current process
    AfterExit afterExit_ = AfterExit::Nothing;
    std::string afterExitWhy_;

    // Intent.
    bool startAfterStop_ = false;
    bool startHeld_ = false;         // a start waits for dependencies to be ready
    bool dependencyFailed_ = false;  // the last start was given up because a dependency failed
    SharedSpec nextSpec_;            // null unless a reload's replacement waits
    bool remove_ = false;
    bool final_ = false;

    std::optional<ExitStatus> lastExit_;
    std::string lastExecError_;
    std::string spawnError_;
    std::optional<std::string> pendingExecError_;
    bool pendingExecTransient_ = false;
};

}  // namespace sup
