// `supctl cat`: the definition an instance runs with, as YAML a configuration file could hold,
// with every default filled in and the file:line it was loaded from (like `systemctl cat`, but
// effective rather than the file's text).
#pragma once

#include <string>

#include "ctl/Model.h"

namespace sup::ctl {

std::string renderDefinition(const ProcessRecord& p, const ServiceDefinition& d);

// Configuration spellings: "10s", "1500ms", "infinity"; "10MiB", "512KiB", "1000".
std::string configDuration(std::uint64_t usec);
std::string configSize(std::uint64_t bytes);

}  // namespace sup::ctl
