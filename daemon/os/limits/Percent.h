// used/limit as a percentage, with 0 for "unlimited" (limit 0), as LimitDimension defines it.
#pragma once

#include <cstdint>

namespace sup::os::limits {

inline double percentOf(std::uint64_t used, std::uint64_t limit) {
    return limit == 0 ? 0.0 : static_cast<double>(used) * 100.0 / static_cast<double>(limit);
}

}  // namespace sup::os::limits
