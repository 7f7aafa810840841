#include "Suggest.h"

#include <algorithm>
#include <limits>

namespace sup::config {

std::size_t editDistance(std::string_view a, std::string_view b) {
    // Optimal string alignment: Levenshtein plus swapping two neighbours as one edit ("TREM" -> "TERM").
    // Three rolling rows: one allocation per call however long the strings are.
    const std::size_t width = b.size() + 1;
    std::vector<std::size_t> rows(3 * width);
    std::size_t* before = rows.data();    // row i-2
    std::size_t* above = before + width;  // row i-1
    std::size_t* row = above + width;     // row i
    for (std::size_t j = 0; j < width; ++j) above[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j < width; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({above[j] + 1, row[j - 1] + 1, above[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                row[j] = std::min(row[j], before[j - 2] + 1);
        }
        std::size_t* const oldest = before;
        before = above;
        above = row;
        row = oldest;
    }
    return above[b.size()];
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
        // The distance is at least the difference in length: a long typo (a config can hold a key of
        // any length) costs no table of |typed| x |candidate| when it cannot be within 2.
        const std::size_t gap = t.size() > c.size() ? t.size() - c.size() : c.size() - t.size();
        std::size_t d = gap > 2 ? gap : editDistance(t, c);
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
