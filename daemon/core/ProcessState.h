// The states of one process instance, as operators know them from Supervisor.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sup {

enum class ProcessState {
    Stopped,   // not running, not wanted (initial state, or after a stop)
    Starting,  // forked; must stay up start_seconds to count as RUNNING
    Running,   // up and stable
    Backoff,   // waiting to (re)start: after a failed start, a crash, or a transient fork failure
    Stopping,  // stop_signal sent, waiting for the exit (SIGKILL after stop_timeout)
    Exited,    // ended and the restart policy says not to restart it
    Fatal,     // gave up: start_retries failed starts in a row, or an exec error
};
inline constexpr std::size_t kProcessStateCount = static_cast<std::size_t>(ProcessState::Fatal) + 1;

std::string_view toString(ProcessState s);                               // "RUNNING", ...
std::optional<ProcessState> processStateFromString(std::string_view s);  // case-insensitive
// Whether a process exists (or is about to) in this state.
bool isActive(ProcessState s);

}  // namespace sup
