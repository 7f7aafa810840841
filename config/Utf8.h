// UTF-8 validity and repair. D-Bus strings must be valid UTF-8 without NUL (sd-bus refuses to send
// anything else), so the config refuses such values up front and the bus repairs the rest at its edge.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sup::utf8 {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points over U+10FFFF are ill-formed), or npos when all of `text` is valid.
// A NUL byte counts as invalid: it cannot travel in a D-Bus string.
std::size_t firstInvalid(std::string_view text);

inline bool isValid(std::string_view text) {
    return firstInvalid(text) == std::string_view::npos;
}

// `text` with every ill-formed sequence (and every NUL) replaced by U+FFFD, one per maximal invalid
// subpart as Unicode recommends; valid input comes back unchanged.
std::string repaired(std::string_view text);

}  // namespace sup::utf8
