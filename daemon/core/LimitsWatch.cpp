#include "core/LimitsWatch.h"

namespace sup {

LimitsWatch::Changes LimitsWatch::update(const LimitsReport& report) {
    Changes out;
    std::set<std::string> now;
    for (const auto& d : report.dimensions) {
        if (!atOrOverThreshold(d, report.warnPercent)) continue;
        now.insert(d.id);
        if (!over_.count(d.id)) out.crossed.push_back(&d);
    }
    for (const auto& d : report.dimensions)
        if (over_.count(d.id) && !now.count(d.id)) out.cleared.push_back(&d);
    // A dimension that vanished from the report (a service user removed by a reload) is forgotten quietly.
    over_ = std::move(now);
    return out;
}

}  // namespace sup
