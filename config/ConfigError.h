// What went wrong in a configuration: every problem found in one pass, each with its place and key.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ServiceSpec.h"

namespace sup::config {

struct ConfigIssue {
    SourceLocation where;  // file:line:col of the offending key or value (line 0 = the file as a whole)
    std::string key;       // dotted path like "services.web.restart"; empty for file-level problems
    std::string message;
    bool operator==(const ConfigIssue&) const = default;
};

// One line per issue, "FILE:LINE:COL: KEY: MESSAGE" (parts that are unknown are left out).
std::string formatIssue(const ConfigIssue& issue);

// Thrown by load()/loadString() when at least one issue was found. The loader collects them all
// before throwing, so a user fixes a file in one round instead of one error per run.
class ConfigError : public std::runtime_error {
  public:
    explicit ConfigError(std::vector<ConfigIssue> issues);
    const std::vector<ConfigIssue>& issues() const { return issues_; }

  private:
    std::vector<ConfigIssue> issues_;
};

}  // namespace sup::config
