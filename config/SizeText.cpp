#include "SizeText.h"

#include <stdexcept>

#include "TextScan.h"

namespace sup::config {

namespace {

constexpr const char* kExpected =
    "expected a size like 512KiB, 10MiB, 1GiB or 10MB (a bare number means bytes)";

// Bytes per unit; 0 for an unknown unit. `unit` is lower-cased.
long double unitBytes(std::string_view unit) {
    constexpr long double kKi = 1024.0L, kK = 1000.0L;
    if (unit.empty() || unit == "b") return 1;
    if (unit == "k" || unit == "kib") return kKi;
    if (unit == "m" || unit == "mib") return kKi * kKi;
    if (unit == "g" || unit == "gib") return kKi * kKi * kKi;
    if (unit == "t" || unit == "tib") return kKi * kKi * kKi * kKi;
    if (unit == "kb") return kK;
    if (unit == "mb") return kK * kK;
    if (unit == "gb") return kK * kK * kK;
    if (unit == "tb") return kK * kK * kK * kK;
    return 0;
}

}  // namespace

std::uint64_t parseSize(std::string_view text) {
    TextScan scan(text);
    scan.skipSpaces();
    auto number = scan.decimal();
    if (!number) throw std::invalid_argument(kExpected);
    scan.skipSpaces();
    std::string unit = scan.letters();
    scan.skipSpaces();
    if (!scan.done()) throw std::invalid_argument(kExpected);
    long double per = unitBytes(unit);
    if (per == 0) throw std::invalid_argument("unknown unit '" + unit + "'; " + kExpected);
    long double bytes = *number * per;
    // Stay well inside uint64 (and exact in a long double): 2^62 bytes is 4 EiB.
    if (!(bytes < 4611686018427387904.0L)) throw std::invalid_argument("size too large");
    return static_cast<std::uint64_t>(bytes);
}

std::string formatSize(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (bytes != 0 && bytes % 1024 == 0 && unit + 1 < std::size(kUnits)) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + kUnits[unit];
}

}  // namespace sup::config
