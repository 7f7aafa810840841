// Remembers which limit dimensions are over the warning threshold, so crossing it is reported once and
// again only after the dimension has dropped back below it (hysteresis by state, not by time).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/LimitsReport.h"

namespace sup {

class LimitsWatch {
  public:
    struct Changes {
        std::vector<const LimitDimension*> crossed;  // at or over warnPercent now, below before
        std::vector<const LimitDimension*> cleared;  // below now, over before
    };
    // Pointers refer into `report`; use them before the report goes away.
    Changes update(const LimitsReport& report);
    // Whether some dimension was over the threshold at the last update (its clearing is still to see).
    bool anyOver() const { return !over_.empty(); }

  private:
    std::set<std::string> over_;
};

}  // namespace sup
