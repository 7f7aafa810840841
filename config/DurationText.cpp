#include "DurationText.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "TextScan.h"

namespace sup::config {

namespace {

constexpr const char* kExpected =
    "expected a duration like 10s, 500ms, 2m or 1h (a bare number means seconds)";

// Milliseconds per unit; 0 for an unknown unit.
long double unitMillis(std::string_view unit) {
    if (unit == "ms") return 1;
    if (unit == "s" || unit == "sec") return 1000;
    if (unit == "m" || unit == "min") return 60'000;
    if (unit == "h") return 3'600'000;
    if (unit == "d") return 86'400'000;
    if (unit == "month" || unit == "months") return 2'629'800'000;  // systemd's month: 30.44 days
    return 0;
}

bool isInfinity(std::string_view text) {
    constexpr std::string_view kWord = "infinity";
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return std::equal(text.begin(), text.end(), kWord.begin(), kWord.end(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

Duration parseDuration(std::string_view text) {
    if (isInfinity(text)) return kMaxDuration;
    TextScan scan(text);
    scan.skipSpaces();
    if (scan.done()) throw std::invalid_argument(kExpected);
    long double total = 0;
    int parts = 0;
    while (!scan.done()) {
        auto number = scan.decimal();
        if (!number) throw std::invalid_argument(kExpected);
        scan.skipSpaces();  // "10 s" as well as "10s"
        std::string unit = scan.lettersAsWritten();
        scan.skipSpaces();
        // systemd reads "M" as a month and "m" as a minute; this parser ignores case, so "1M" would
        // silently be a minute where systemd waits a month. Neither guess is safe: ask.
        if (unit == "M")
            throw std::invalid_argument(
                "'M' is ambiguous (a minute here before, a month in systemd): write 'min' for minutes or "
                "'month' for months");
        for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        // "90" is 90 seconds, but "1m30" is more likely a typo than "1m and 30 seconds".
        if (unit.empty() && (parts > 0 || !scan.done())) throw std::invalid_argument(kExpected);
        long double per = unit.empty() ? 1000 : unitMillis(unit);
        if (per == 0) throw std::invalid_argument("unknown unit '" + unit + "'; " + kExpected);
        total += *number * per;
        ++parts;
    }
    // Compared before rounding so that llround never sees a value it cannot represent.
    if (!(total < static_cast<long double>(kMaxDuration.count()) + 0.5L))
        throw std::invalid_argument(
            "duration too large: at most 36500d (100 years); write 'infinity' for no limit");
    return Duration(static_cast<Duration::rep>(std::llround(total)));
}

std::string formatDuration(Duration d) {
    if (d == kMaxDuration) return "infinity";
    const auto ms = d.count();
    if (ms == 0) return "0s";
    if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);  // zero-padded to 3 digits
    while (fraction.back() == '0') fraction.pop_back();
    // Appended piece by piece: GCC 12 gives a false -Wrestrict for to_string(...) + "." + ... chains.
    std::string out = std::to_string(ms / 1000);
    out += '.';
    out += fraction;
    out += 's';
    return out;
}

}  // namespace sup::config
