// The collector that every reader reports into; the loader throws ConfigError once at the end.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ConfigError.h"

namespace sup::config {

class IssueList {
  public:
    void add(SourceLocation where, std::string key, std::string message) {
        issues_.push_back({std::move(where), std::move(key), std::move(message)});
    }
    bool empty() const { return issues_.empty(); }
    std::size_t size() const { return issues_.size(); }
    const std::vector<ConfigIssue>& all() const { return issues_; }
    std::vector<ConfigIssue> take() { return std::exchange(issues_, {}); }

  private:
    std::vector<ConfigIssue> issues_;
};

}  // namespace sup::config
