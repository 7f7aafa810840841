// `supctl limits` for people: one row per limit, with the binding one and those over the warning
// threshold flagged, the top consumers, and the daemon's notes underneath.
#pragma once

#include <string>

#include "ctl/Model.h"

namespace sup::ctl {

bool overWarning(const LimitDimension& d, unsigned warnPercent);
std::string formatPercent(double percent);                           // "99.9%"
std::string formatConsumers(const std::vector<LimitConsumer>& top);  // "ssh 1500, python3 300"
std::string renderLimits(const LimitsReading& reading, bool colour);

}  // namespace sup::ctl
