// Tallies tasks by command name and keeps the biggest: "top: ssh 1500, python3 300".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/LimitsReport.h"

namespace sup::os::limits {

class ConsumerTally {
  public:
    void add(const std::string& command, std::uint64_t count);
    // Biggest count first; equal counts by name so the output is stable. At most `max` entries.
    std::vector<LimitConsumer> top(std::size_t max = 5) const;

  private:
    std::map<std::string, std::uint64_t> counts_;
};

// "sleep 50, ssh 3" from the first `max` consumers; "" when there are none.
std::string formatTop(const std::vector<LimitConsumer>& top, std::size_t max = 3);

}  // namespace sup::os::limits
