// Decides, from the states supervisord reports for one instance after a start/stop/restart, whether
// that request has reached its goal, failed, or is still under way. Pure, so the rules are testable.
//
// Observations come from ProcessStateChanged signals and from fresh GetProcess/ListProcesses
// snapshots, in the order they arrive. A state seen once counts even if it is gone again by the
// next snapshot: a program that starts and exits at once did reach RUNNING.
#pragma once

#include <cstdint>
#include <string>

namespace sup::ctl {

enum class WaitGoal {
    Running,    // start: RUNNING; BACKOFF, EXITED or FATAL is a failed start
    Restarted,  // restart: RUNNING with a new process; states before the new start do not count
    Inactive,   // stop: STOPPED, EXITED or FATAL
};

enum class WaitStatus { Pending, Reached, Failed };

class WaitTracker {
  public:
    // pidBefore: the instance's PID before the request (0 = none), to recognise the new process.
    WaitTracker(std::string name, WaitGoal goal, std::uint32_t pidBefore = 0);

    void observe(const std::string& state, std::uint32_t pid, const std::string& reason = {});

    WaitStatus status() const { return status_; }
    bool done() const { return status_ != WaitStatus::Pending; }
    const std::string& name() const { return name_; }
    WaitGoal goal() const { return goal_; }
    const std::string& lastState() const { return lastState_; }
    const std::string& lastReason() const { return lastReason_; }
    // "RUNNING" or "STOPPED" (for messages).
    std::string goalText() const;

  private:
    std::string name_;
    WaitGoal goal_;
    std::uint32_t pidBefore_;
    bool seenStarting_ = false;
    WaitStatus status_ = WaitStatus::Pending;
    std::string lastState_, lastReason_;
};

}  // namespace sup::ctl
