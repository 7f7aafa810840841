#include "core/ProcessState.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sup {

namespace {
constexpr std::array<std::pair<ProcessState, std::string_view>, 7> kNames{{
    {ProcessState::Stopped, "STOPPED"},
    {ProcessState::Starting, "STARTING"},
    {ProcessState::Running, "RUNNING"},
    {ProcessState::Backoff, "BACKOFF"},
    {ProcessState::Stopping, "STOPPING"},
    {ProcessState::Exited, "EXITED"},
    {ProcessState::Fatal, "FATAL"},
}};
}  // namespace

std::string_view toString(ProcessState s) {
    for (auto& [state, name] : kNames)
        if (state == s) return name;
    return "UNKNOWN";
}

std::optional<ProcessState> processStateFromString(std::string_view s) {
    for (auto& [state, name] : kNames) {
        if (name.size() == s.size() && std::equal(name.begin(), name.end(), s.begin(), [](char a, char b) {
                return a == std::toupper(static_cast<unsigned char>(b));
            }))
            return state;
    }
    return std::nullopt;
}

bool isActive(ProcessState s) {
    return s == ProcessState::Starting || s == ProcessState::Running || s == ProcessState::Stopping;
}

}  // namespace sup
