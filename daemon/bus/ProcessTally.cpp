#include "bus/ProcessTally.h"

#include <string_view>

namespace sup::bus {

namespace {

// ProcessMachine::waitForFork words the reason of an instance held back by fork pressure this way.
// Control has no accessor for the supervisor's fork-pressure diagnosis, so it is read from there.
constexpr std::string_view kWaitingSuffix = "; waiting for the limit to clear";

constexpr ProcessState kAllStates[] = {ProcessState::Stopped, ProcessState::Starting, ProcessState::Running,
                                       ProcessState::Backoff, ProcessState::Stopping, ProcessState::Exited,
                                       ProcessState::Fatal};

}  // namespace

ProcessTally::Changes ProcessTally::set(const ProcessInfo& info) {
    Changes changes;
    auto [it, inserted] = states_.try_emplace(info.name, info.state);
    if (inserted || it->second != info.state) {
        if (!inserted) --byState_[static_cast<std::size_t>(it->second)];
        ++byState_[static_cast<std::size_t>(info.state)];
        it->second = info.state;
        changes.counts = true;
    }

    const std::string before = forkPressure();
    std::string_view reason = info.reason;
    if (info.state == ProcessState::Backoff && reason.ends_with(kWaitingSuffix)) {
        reason.remove_suffix(kWaitingSuffix.size());
        waitingForFork_[info.name] = std::string(reason);
    } else {
        waitingForFork_.erase(info.name);
    }
    changes.forkPressure = forkPressure() != before;
    return changes;
}

bool ProcessTally::erase(const std::string& name) {
    waitingForFork_.erase(name);
    auto it = states_.find(name);
    if (it == states_.end()) return false;
    --byState_[static_cast<std::size_t>(it->second)];
    states_.erase(it);
    return true;
}

std::map<std::string, std::uint32_t> ProcessTally::countsByState() const {
    std::map<std::string, std::uint32_t> counts;
    for (auto s : kAllStates) counts[std::string(toString(s))] = byState_[static_cast<std::size_t>(s)];
    return counts;
}

std::string ProcessTally::forkPressure() const {
    return waitingForFork_.empty() ? std::string() : waitingForFork_.begin()->second;
}

}  // namespace sup::bus
