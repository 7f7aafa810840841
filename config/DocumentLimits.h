// Limits on one configuration file, checked around yaml-cpp so hostile or broken input is refused with a
// located error instead of exhausting the stack (yaml-cpp 0.7 parses recursively) or memory (aliases).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ServiceSpec.h"

namespace sup::config {

// A configuration file larger than this is refused unread (a real one is a few KiB).
inline constexpr std::size_t kMaxConfigFileBytes = 4u << 20;
// Flow brackets plus block levels; our schema needs 5, yaml-cpp's recursion is safe far beyond 64.
inline constexpr int kMaxNestingDepth = 64;
// Nodes reached again through aliases (`*name`), each use counting everything under what it names.
inline constexpr std::size_t kMaxAliasedNodes = 100000;
// Depth with aliases expanded: above kMaxNestingDepth (whose scan may count a level short) only through
// a chain of aliases, or an alias inside the node it names (`a: &x {b: *x}`, a cycle in yaml-cpp).
inline constexpr int kMaxExpandedDepth = 4 * kMaxNestingDepth;

struct LimitBreach {
    int line = 0;    // 1-based; 0 = the file as a whole
    int column = 0;  // 1-based; 0 = unknown
    std::string message;
};

// "file is larger than 4 MiB (...)": for a file refused unread, and for text over kMaxConfigFileBytes.
std::string fileTooLargeMessage();

// Size and nesting, from the bytes alone, before yaml-cpp sees them. The nesting scan is an estimate that
// never counts less than yaml-cpp will recurse (it may count a block level more than there is).
std::optional<LimitBreach> checkTextLimits(std::string_view text);

// The first YAML document of `text`, and where a second one starts if there is one. Throws YAML::Exception.
// Instead of YAML::LoadAll, which loops forever, allocating a null document per turn, on a document that
// starts with a token no node can start with (a stray ','): at most two documents are ever looked at.
struct FirstDocument {
    YAML::Node root;
    std::optional<YAML::Mark> next;  // the root node of a second document
    bool stuck = false;              // the parser made no progress past the first document: a stray token
};
FirstDocument loadFirstDocument(const std::string& text);

// Alias expansion on `root`, the document parsed from `text` (which passed checkTextLimits).
std::optional<LimitBreach> checkAliasExpansion(std::string_view text, const YAML::Node& root);

}  // namespace sup::config
