// Splitting one fuzzer input into several texts: NUL separates them (a NUL is invalid in every text the
// harnesses feed, so no text loses anything it could hold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sup::fuzz {

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// At most `maxParts` parts; the last one keeps the rest of the input, NULs included.
inline std::vector<std::string> splitParts(std::string_view input, std::size_t maxParts) {
    std::vector<std::string> parts;
    while (parts.size() + 1 < maxParts) {
        const std::size_t end = input.find('\0');
        if (end == std::string_view::npos) break;
        parts.emplace_back(input.substr(0, end));
        input.remove_prefix(end + 1);
    }
    parts.emplace_back(input);
    return parts;
}

// A broken property: abort so libFuzzer records the input as a crash.
[[noreturn]] inline void fail() {
    __builtin_trap();
}

}  // namespace sup::fuzz
