#include "Suggest.h"

#include <algorithm>
#include <limits>

namespace sup::config {

std::size_t editDistance(std::string_view a, std::string_view b) {
    // Optimal string alignment: Levenshtein plus swapping two neighbours as one edit ("TREM" -> "TERM").
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

namespace {
// "Stop-Signal" and "stop_signal" are the same mistake-free intent.
std::string normalized(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '-') c = '_';
    }
    return out;
}
}  // namespace

std::optional<std::string> closestMatch(std::string_view typed, const std::vector<std::string>& candidates) {
    const std::string t = normalized(typed);
    if (t.empty()) return std::nullopt;
    std::optional<std::string> best;
    std::size_t bestDistance = std::numeric_limits<std::size_t>::max();
    for (const auto& candidate : candidates) {
        const std::string c = normalized(candidate);
        std::size_t d = editDistance(t, c);
        // A prefix either way ("stop_time" for "stop_timeout", "commands" for "command") counts as
        // close, but ranks behind a real near-miss; one-letter prefixes say nothing.
        if (d > 2) {
            bool prefix = t.size() >= 3 && (c.starts_with(t) || t.starts_with(c));
            if (!prefix) continue;
            d = 3;
        }
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return best;
}

std::string didYouMean(std::string_view typed, const std::vector<std::string>& candidates) {
    auto match = closestMatch(typed, candidates);
    return match ? " (did you mean '" + *match + "'?)" : "";
}

}  // namespace sup::config
