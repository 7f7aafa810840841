// Config strings end up in D-Bus strings (commands, names, environment, reasons), which must be valid
// UTF-8 without NUL: a bad byte is refused when the file is read, with its place, rather than breaking
// a reply later.
#pragma once

#include <cstddef>
#include <string>

#include <yaml-cpp/yaml.h>

#include "YamlFields.h"

namespace sup::config {

// Reports every key and scalar under `node` that is not valid UTF-8 (or holds NUL) as an issue at its
// file:line:column; returns how many.
std::size_t reportNonUtf8(const ReadContext& ctx, const YAML::Node& node, const std::string& path);

}  // namespace sup::config
