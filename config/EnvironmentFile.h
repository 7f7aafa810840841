// KEY=VALUE files read exactly as systemd's EnvironmentFile= reads them (the rules are listed in
// EnvironmentFile.cpp). Nothing is expanded: $HOME stays "$HOME". A later assignment of the same key wins.
// Lines systemd would silently drop, and a quote never closed, are reported as problems instead.
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
