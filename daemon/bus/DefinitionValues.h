// How a ServiceSpec reads as Process1 properties (ExecStart, UMask, StandardOutput, ...): the
// textual forms `supctl show` prints and `supctl cat` turns back into YAML. Pure.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ServiceSpec.h"

namespace sup::bus {

// "daemon", "journal", "null", "memory", "stdout", "file:/var/log/web.log" (systemd's StandardOutput= words).
std::string logTargetText(const LogTarget& target);
// Octal with a leading 0 ("0022"); "" when inherited from the daemon.
std::string umaskText(const std::optional<mode_t>& umask);
// KEY=VALUE, sorted by KEY.
std::vector<std::string> environmentList(const std::map<std::string, std::string>& environment);
std::uint64_t usecOf(Duration d);

}  // namespace sup::bus
