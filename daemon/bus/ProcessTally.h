// What the manager's aggregate properties (ProcessCount, StateCounts, ForkPressure) are made of,
// kept up to date from the observer callbacks so a state change costs O(log n), not a full list().
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "supervisor/Control.h"

namespace sup::bus {

class ProcessTally {
  public:
    struct Changes {
        bool counts = false;        // ProcessCount / StateCounts moved
        bool forkPressure = false;  // ForkPressure moved
    };
    // Records the instance's current snapshot and says which aggregates it moved.
    Changes set(const ProcessInfo& info);
    // Forgets an instance. Returns true when it was known.
    bool erase(const std::string& name);

    std::uint32_t count() const { return static_cast<std::uint32_t>(states_.size()); }
    // Every state, zeros included, so clients need not know the list: {"RUNNING": 3, "FATAL": 0, ...}.
    std::map<std::string, std::uint32_t> countsByState() const;
    // "" when no instance waits for fork to succeed again; otherwise why forks fail.
    std::string forkPressure() const;

  private:
    std::map<std::string, ProcessState> states_;
    // states_ tallied by state: StateCounts is read on every PropertiesChanged, once per transition.
    std::array<std::uint32_t, kProcessStateCount> byState_{};
    std::map<std::string, std::string> waitingForFork_;  // name -> diagnosis, BACKOFF on fork pressure only
};

}  // namespace sup::bus
