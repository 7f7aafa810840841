// One entry of `services:` -> a ServiceSpec with defaults applied, problems reported to the context.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ServiceSpec.h"
#include "YamlFields.h"

namespace sup::config {

// The keys a service accepts, for "did you mean" and REFERENCE.md.
const std::vector<std::string>& serviceKeys();

// `entry.key` is the service name, `entry.value` its settings. Always returns a spec (name and `where`
// are set even when the rest is broken, so the loader can still spot duplicates across files).
ServiceSpec readService(const ReadContext& ctx, const Field& entry);

// Why `name` cannot be a service name, or nullopt when it can: [A-Za-z0-9_.-]+ ('@' is kept for
// instance names like web@0), and not one of the names that mean something else to supctl or in a
// path: "all", ".", "..", or anything starting with '-'.
std::optional<std::string> serviceNameProblem(std::string_view name);
bool isValidServiceName(std::string_view name);

}  // namespace sup::config
