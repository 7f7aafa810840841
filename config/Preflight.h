// What `supervisord --check` reports beyond the YAML itself: the configuration against this machine
// (command binaries, working directories, log_dir). Warnings only: at boot one missing binary must
// not keep every other service from starting, so the daemon starts anyway and that one service
// fails by its own restart policy.
#pragma once

#include <vector>

#include "ConfigError.h"
#include "ServiceSpec.h"

namespace sup::config {

// One issue per problem found; empty when everything is in place. The location is the service's
// name key (the `supervisor:` key for log_dir; none when log_dir is the default).
//   - a command whose program does not exist or is not an executable file (found through the
//     service's PATH, else the daemon's, else systemd's default, as the spawner does);
//   - a `directory` that does not exist or is not a directory;
//   - a log_dir that is missing (saying whether the daemon can create it) or not a writable directory.
std::vector<ConfigIssue> preflight(const Config& config);

}  // namespace sup::config
