#include "ctl/TimeFormat.h"

#include <ctime>

namespace sup::ctl {

std::string formatDuration(std::int64_t usec) {
    if (usec <= 0) return "0s";
    if (usec < 1'000'000) return std::to_string(usec / 1000) + "ms";
    struct Unit {
        std::int64_t seconds;
        const char* suffix;
    };
    static constexpr Unit units[] = {{365 * 86400, "y"}, {7 * 86400, "w"}, {86400, "d"},
                                     {3600, "h"},        {60, "min"},      {1, "s"}};
    std::int64_t left = usec / 1'000'000;
    std::string out;
    int shown = 0;
    for (const auto& u : units) {
        if (shown == 2) break;
        std::int64_t n = left / u.seconds;
        if (n == 0) {
            if (shown > 0) break;  // "2h 5s" would mislead: stop at the first gap after the first unit
            continue;
        }
        if (!out.empty()) out += ' ';
        out += std::to_string(n) + u.suffix;
        left -= n * u.seconds;
        ++shown;
    }
    return out;
}

std::string formatTimespan(std::uint64_t usec) {
    constexpr std::uint64_t kInfinityUsec = 36'500ULL * 86'400 * 1'000'000;  // sup::kMaxDuration
    if (usec >= kInfinityUsec) return "infinity";
    if (usec == 0) return "0";
    struct Unit {
        std::uint64_t usec;
        const char* suffix;
    };
    static constexpr Unit units[] = {
        {86'400'000'000ULL, "d"}, {3'600'000'000ULL, "h"}, {60'000'000ULL, "min"},
        {1'000'000, "s"},         {1'000, "ms"},           {1, "us"}};
    std::string out;
    for (const auto& u : units) {
        const std::uint64_t n = usec / u.usec;
        if (n == 0) continue;
        if (!out.empty()) out += ' ';
        out += std::to_string(n) + u.suffix;
        usec -= n * u.usec;
    }
    return out;
}

std::string formatTimestamp(std::int64_t usec) {
    if (usec <= 0) return "";
    std::time_t t = static_cast<std::time_t>(usec / 1'000'000);
    std::tm tm{};
    if (!::localtime_r(&t, &tm)) return std::to_string(usec);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
    return n ? std::string(buf, n) : std::to_string(usec);
}

}  // namespace sup::ctl
