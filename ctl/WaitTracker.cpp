#include "ctl/WaitTracker.h"

namespace sup::ctl {

namespace {

bool isInactive(const std::string& s) {
    return s == "STOPPED" || s == "EXITED" || s == "FATAL";
}
bool isFailedStart(const std::string& s) {
    return s == "BACKOFF" || s == "EXITED" || s == "FATAL";
}

}  // namespace

WaitTracker::WaitTracker(std::string name, WaitGoal goal, std::uint32_t pidBefore)
    : name_(std::move(name)), goal_(goal), pidBefore_(pidBefore) {}

std::string WaitTracker::goalText() const {
    return goal_ == WaitGoal::Inactive ? "STOPPED" : "RUNNING";
}

void WaitTracker::observe(const std::string& state, std::uint32_t pid, const std::string& reason) {
    if (done()) return;  // the first outcome is the answer; later changes are a new story
    lastState_ = state;
    lastReason_ = reason;
    if (state == "STARTING") seenStarting_ = true;
    switch (goal_) {
        case WaitGoal::Inactive:
            if (isInactive(state)) status_ = WaitStatus::Reached;
            break;
        case WaitGoal::Running:
            if (state == "RUNNING")
                status_ = WaitStatus::Reached;
            else if (isFailedStart(state) || (state == "STOPPED" && seenStarting_))
                status_ = WaitStatus::Failed;
            break;
        case WaitGoal::Restarted:
            // Until the new start shows, RUNNING/STOPPING/STOPPED are the old process going away.
            if (state == "RUNNING" && (seenStarting_ || (pid != 0 && pid != pidBefore_)))
                status_ = WaitStatus::Reached;
            else if (seenStarting_ && (isFailedStart(state) || state == "STOPPED"))
                status_ = WaitStatus::Failed;
            break;
    }
}

}  // namespace sup::ctl
