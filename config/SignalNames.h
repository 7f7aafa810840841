// Signal names both ways: "TERM", "SIGTERM", "term" or "15" -> SIGTERM, and SIGTERM -> "TERM".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sup::config {

// Throws std::invalid_argument with a message for the user when `text` names no signal.
// Accepts the Linux names with or without "SIG" (any case), RTMIN+n / RTMAX-n, and numbers 1..SIGRTMAX.
int parseSignal(std::string_view text);

// The canonical names without "SIG" ("HUP", "INT", ...), for "did you mean".
std::vector<std::string> signalNames();

// "TERM" for SIGTERM; std::nullopt for numbers without a standard name (real-time signals).
std::optional<std::string> standardSignalName(int sig);

}  // namespace sup::config
