#include "supervisor/StatusLine.h"

namespace sup {

// Counting is O(instances) per state change; the percentage of the binding process limit is shown
// only during a fork-pressure episode, because measuring it means scanning /proc, which the daemon
// does only when a fork has actually failed (or when `supctl limits` asks).
std::string statusLine(const Supervisor& sup, std::string_view busTrouble) {
    std::string s = std::to_string(sup.countIn(ProcessState::Running)) + " running, " +
                    std::to_string(sup.countIn(ProcessState::Starting)) + " starting, " +
                    std::to_string(sup.countIn(ProcessState::Backoff)) + " backoff, " +
                    std::to_string(sup.countIn(ProcessState::Fatal)) + " fatal";
    if (!sup.forkPressure().empty()) s += "; fork pressure: " + sup.forkPressure();
    if (!busTrouble.empty()) {
        s += "; D-Bus: ";
        s += busTrouble;
    }
    return s;
}

}  // namespace sup
