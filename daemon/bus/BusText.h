// The one gate every string the daemon sends over D-Bus goes through (replies, properties, signals,
// error messages). sd-bus refuses to serialize an `s` that is not valid UTF-8 or holds a NUL, and the
// reply is then lost ("Failed to serialize a string value"): one odd byte in a command, a spawn error, a
// /proc comm name or a reason would break `supctl status` for everyone. Ill-formed sequences become
// U+FFFD; valid text passes unchanged. Output is not text and travels as bytes instead (Tail: ay).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "Utf8.h"

namespace sup::bus {

inline std::string busText(std::string_view text) {
    return utf8::repaired(text);
}

inline std::vector<std::string> busText(std::vector<std::string> items) {
    for (auto& item : items)
        if (!utf8::isValid(item)) item = utf8::repaired(item);
    return items;
}

}  // namespace sup::bus
