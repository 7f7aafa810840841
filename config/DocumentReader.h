// One configuration file's text -> its `supervisor:` section and services (not yet merged with others).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ServiceSpec.h"
#include "YamlFields.h"

namespace sup::config {

struct FileContent {
    std::optional<DaemonSettings> supervisor;
    std::vector<ServiceSpec> services;  // in file order
};

// Problems (YAML syntax included) go to ctx.issues; whatever could be read is returned.
FileContent readDocument(const ReadContext& ctx, const std::string& text);

}  // namespace sup::config
