// The life of one process instance as a pure state machine. It is told what happened (an operator
// request, a spawn outcome, an exit, a deadline) and answers with what to do; it never does it.
// Time is passed in, so tests drive it without forking and without a real clock.
//
//   STOPPED --start--> (spawn) STARTING --start_seconds--> RUNNING
//   STARTING --exit--> BACKOFF (failed start) --deadline--> (spawn) ... --start_retries--> FATAL
//   RUNNING --exit--> BACKOFF (restart policy says yes) | EXITED (it says no)
//   STARTING/RUNNING --stop--> STOPPING --exit--> STOPPED;  STOPPING --stop_timeout--> SIGKILL
//   any spawn that fails with EAGAIN/ENOMEM --> BACKOFF waiting for fork (the ForkGate decides when)
#pragma once

#include <optional>
#include <string>

#include "ServiceSpec.h"
#include "core/Backoff.h"
#include "core/Clock.h"
#include "core/ExitStatus.h"
#include "core/ProcessState.h"

namespace sup {

struct MachineCommand {
    enum class Kind { None, Spawn, Signal, Kill };
    Kind kind = Kind::None;
    int signal = 0;  // for Signal

    static MachineCommand none() { return {}; }
    static MachineCommand spawn() { return {Kind::Spawn, 0}; }
    static MachineCommand sendSignal(int sig) { return {Kind::Signal, sig}; }
    static MachineCommand kill() { return {Kind::Kill, 9}; }
    bool operator==(const MachineCommand&) const = default;
};

class ProcessMachine {
  public:
    explicit ProcessMachine(const ServiceSpec& spec);

    // After a reload that kept this instance: same runtime settings, maybe new source location.
    void setSpec(const ServiceSpec& spec);
    const ServiceSpec& spec() const { return spec_; }

    ProcessState state() const { return state_; }
    const std::string& reason() const { return reason_; }
    std::optional<TimePoint> deadline() const { return deadline_; }
    bool waitingForFork() const { return waitingForFork_; }
    unsigned restarts() const { return restarts_; }
    unsigned failedStarts() const { return failedStarts_; }
    const std::optional<ExitStatus>& lastExit() const { return lastExit_; }
    const std::string& spawnError() const { return spawnError_; }
    TimePoint stateSince() const { return stateSince_; }
    std::optional<TimePoint> startedAt() const { return startedAt_; }

    // Operator requests.
    MachineCommand start(TimePoint now);  // ignored (None) when STARTING/RUNNING
    MachineCommand stop(TimePoint now);

    // Outcomes of a Spawn command.
    void spawned(TimePoint now);        // a child exists
    void execSucceeded(TimePoint now);  // the exec-status pipe closed without an error
    void execFailed(const std::string& error, bool transient);  // the child reported an error before exec
    MachineCommand spawnFailed(const std::string& error, bool transient, TimePoint now);  // no child at all
    MachineCommand forkAdmitted(TimePoint now);  // the ForkGate lets a waiting instance try again

    MachineCommand exited(const ExitStatus& exit, TimePoint now);
    MachineCommand deadlineReached(TimePoint now);

  private:
    void enter(ProcessState s, TimePoint now, std::string reason);
    MachineCommand failedStart(const std::string& why, TimePoint now);
    MachineCommand scheduleRestart(const std::string& why, TimePoint now);
    MachineCommand waitForFork(const std::string& error, TimePoint now);

    ServiceSpec spec_;
    ProcessState state_ = ProcessState::Stopped;
    std::string reason_ = "not started";
    std::optional<TimePoint> deadline_;
    TimePoint stateSince_{};
    std::optional<TimePoint> startedAt_;
    Backoff backoff_;
    unsigned failedStarts_ = 0;  // in a row; reset on RUNNING and on an operator start
    unsigned restarts_ = 0;      // automatic restarts scheduled since this instance was created
    bool waitingForFork_ = false;
    bool startAfterStop_ = false;  // restart requested while STOPPING
    bool killed_ = false;          // SIGKILL sent after stop_timeout
    std::optional<ExitStatus> lastExit_;
    std::string spawnError_;
    std::optional<std::string> pendingExecError_;
    bool pendingExecTransient_ = false;
};

}  // namespace sup
