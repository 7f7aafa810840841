// Combining the files of a configuration directory into one Config, with the cross-file rules:
// a service name is defined once, and at most one file has `supervisor:`.
#pragma once

#include <map>
#include <string>

#include "DocumentReader.h"
#include "IssueList.h"

namespace sup::config {

class ConfigMerge {
  public:
    explicit ConfigMerge(IssueList& issues) : issues_(issues) {}

    void add(const std::string& file, FileContent content);

    // Services sorted by name; defaults for the daemon settings when no file had `supervisor:`.
    Config finish() &&;

  private:
    IssueList& issues_;
    Config config_;
    std::optional<SourceLocation> supervisorAt_;
    std::map<std::string, SourceLocation> serviceAt_;
};

}  // namespace sup::config
