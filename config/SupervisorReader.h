// The `supervisor:` section -> DaemonSettings with defaults applied.
#pragma once

#include "ServiceSpec.h"
#include "YamlFields.h"

namespace sup::config {

const std::vector<std::string>& supervisorKeys();

DaemonSettings readSupervisor(const ReadContext& ctx, const Field& section);

}  // namespace sup::config
