// `supctl show`: every property as KEY=VALUE lines, like `systemctl show`. Keys are the D-Bus
// property names of io.supervisord.Process1 (and Manager1 for the daemon itself).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ctl/Model.h"

namespace sup::ctl {

using PropertyList = std::vector<std::pair<std::string, std::string>>;

// Timestamps appear twice: formatted (StartedAt=) and as raw CLOCK_REALTIME µs (StartedAtUSec=).
PropertyList processProperties(const ProcessRecord& p);
PropertyList daemonProperties(const DaemonInfo& d);

// KEY=VALUE lines of the selected keys (all when `only` is empty), or just the values.
std::string renderProperties(const PropertyList& props, const std::vector<std::string>& only, bool valueOnly);

}  // namespace sup::ctl
