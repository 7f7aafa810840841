// "did you mean 'command'?" for a misspelt key or value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sup::config {

// Edit distance (insert, delete, substitute, swap two neighbours), case-sensitive.
std::size_t editDistance(std::string_view a, std::string_view b);

// The closest candidate within edit distance 2 (ignoring case, '-' vs '_'), or one that starts with what
// was typed (or that what was typed starts with); ties go to the earlier candidate.
std::optional<std::string> closestMatch(std::string_view typed, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" or "".
std::string didYouMean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace sup::config
