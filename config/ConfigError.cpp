#include "ConfigError.h"

namespace sup::config {

std::string formatIssue(const ConfigIssue& issue) {
    std::string out = issue.where.file;
    if (issue.where.line > 0) {
        out += ":" + std::to_string(issue.where.line);
        if (issue.where.column > 0) out += ":" + std::to_string(issue.where.column);
    }
    if (!out.empty()) out += ": ";
    if (!issue.key.empty()) out += issue.key + ": ";
    return out + issue.message;
}

namespace {
std::string joinLines(const std::vector<ConfigIssue>& issues) {
    std::string text;
    for (const auto& issue : issues) {
        if (!text.empty()) text += '\n';
        text += formatIssue(issue);
    }
    return text;
}
}  // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(joinLines(issues)), issues_(std::move(issues)) {}

}  // namespace sup::config
