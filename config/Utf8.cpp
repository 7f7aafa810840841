#include "Utf8.h"

namespace sup::utf8 {

namespace {

// Length of the well-formed sequence at text[i], or 0 when it is ill-formed (Unicode table 3-7).
std::size_t sequenceLength(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 == 0) return 0;
    if (b0 < 0x80) return 1;
    std::size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
        if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) lo = 0x90;  // no overlong forms
        if (b0 == 0xF4) hi = 0x8F;  // nothing over U+10FFFF
    } else {
        return 0;
    }
    if (i + 1 >= text.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < length; ++k)
        if (i + k >= text.size() || byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return length;
}

// How many bytes of an ill-formed sequence at text[i] make up one maximal subpart (at least 1).
std::size_t invalidLength(std::string_view text, std::size_t i) {
    std::size_t n = 1;
    // A valid lead byte followed by some valid continuation bytes, then cut short: one replacement.
    for (std::size_t keep = 3; keep >= 1; --keep) {
        if (i + keep > text.size()) continue;
        std::string padded(text.substr(i, keep));
        // Complete the prefix with continuation bytes that are valid after any lead; if that makes a
        // well-formed sequence, the prefix was a truncated one.
        for (std::size_t extra = 1; extra <= 3 && padded.size() < 4; ++extra) {
            padded.push_back(static_cast<char>(0x80 | 0x10));
            if (sequenceLength(padded, 0) == padded.size()) return keep;
        }
    }
    return n;
}

}  // namespace

std::size_t firstInvalid(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = sequenceLength(text, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

std::string repaired(std::string_view text) {
    const std::size_t first = firstInvalid(text);
    if (first == std::string_view::npos) return std::string(text);
    std::string out(text.substr(0, first));
    out.reserve(text.size() + 16);
    for (std::size_t i = first; i < text.size();) {
        const std::size_t n = sequenceLength(text, i);
        if (n > 0) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        out += "\xEF\xBF\xBD";  // U+FFFD
        i += invalidLength(text, i);
    }
    return out;
}

}  // namespace sup::utf8
