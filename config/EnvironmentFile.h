// KEY=VALUE files in the format of systemd's EnvironmentFile=.
//
// Blank lines and lines whose first non-blank character is '#' or ';' are skipped. "export KEY=VALUE" is
// tolerated (so a file can be shared with sh). Blanks around the key and after '=' are ignored. A value
// may be '...' (literal), "..." (\" \\ \$ \` escapes; may span lines) or bare (a backslash escapes the
// next character, a trailing backslash continues the line, trailing blanks are dropped). Nothing is
// expanded: $HOME stays "$HOME". A later assignment of the same key wins.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sup::config {

struct EnvironmentFileProblem {
    int line;    // 1-based
    int column;  // 1-based
    std::string message;
};

struct EnvironmentFileContent {
    std::vector<std::pair<std::string, std::string>> variables;  // in file order, duplicates kept
    std::vector<EnvironmentFileProblem> problems;                // bad lines; the good ones are still read
};

EnvironmentFileContent parseEnvironmentFile(std::string_view text);

}  // namespace sup::config
