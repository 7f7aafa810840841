#include "ConfigMerge.h"

#include <algorithm>

namespace sup::config {

namespace {
std::string place(const SourceLocation& at) {
    return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}
}  // namespace

void ConfigMerge::add(const std::string& file, FileContent content) {
    config_.files.push_back(file);
    if (content.supervisor) {
        if (supervisorAt_) {
            issues_.add(content.supervisor->where, "supervisor",
                        "a second 'supervisor:' section; the first is at " + place(*supervisorAt_) +
                            " (only one file may have it)");
        } else {
            supervisorAt_ = content.supervisor->where;
            config_.supervisor = std::move(*content.supervisor);
        }
    }
    for (auto& spec : content.services) {
        auto [it, fresh] = serviceAt_.emplace(spec.name, spec.where);
        if (!fresh) {
            issues_.add(spec.where, "services." + spec.name,
                        "service '" + spec.name + "' is already defined at " + place(it->second));
            continue;
        }
        config_.services.push_back(std::move(spec));
    }
}

Config ConfigMerge::finish() && {
    std::sort(config_.services.begin(), config_.services.end(),
              [](const ServiceSpec& a, const ServiceSpec& b) { return a.name < b.name; });
    return std::move(config_);
}

}  // namespace sup::config
