// Durations as users write them: "500ms", "10s", "2m", "1h", "1.5s", "1m30s"; a bare number means seconds;
// "infinity" means kMaxDuration (100 years).
#pragma once

#include <string>
#include <string_view>

#include "ServiceSpec.h"

namespace sup::config {

// Throws std::invalid_argument with a message for the user when `text` is not a duration.
// Units: ms, s (sec), m (min), h, d. Negative values are rejected; the result is rounded to milliseconds.
// At most kMaxDuration: larger values are refused (not clamped: 999999d is more likely a mistake, or a
// "never" better written `infinity`). "infinity" (any case) is kMaxDuration.
Duration parseDuration(std::string_view text);

// The shortest exact spelling parseDuration reads back: "500ms", "10s", "1.5s", "2m", "1h"; "infinity"
// for kMaxDuration.
std::string formatDuration(Duration d);

}  // namespace sup::config
