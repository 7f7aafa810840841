#include "os/NofileLimit.h"

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace sup::os {

std::optional<rlimit> raiseNofileLimit() {
    rlimit original{};
    if (::getrlimit(RLIMIT_NOFILE, &original) < 0) {
        spdlog::warn("getrlimit(RLIMIT_NOFILE): {}", std::strerror(errno));
        return std::nullopt;
    }
    if (original.rlim_cur >= original.rlim_max) return std::nullopt;
    rlimit raised{original.rlim_max, original.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) < 0) {
        spdlog::warn("raising RLIMIT_NOFILE from {} to {}: {}", original.rlim_cur, original.rlim_max,
                     std::strerror(errno));
        return std::nullopt;
    }
    spdlog::debug("RLIMIT_NOFILE raised from {} to {}; children get {} back", original.rlim_cur,
                  raised.rlim_cur, original.rlim_cur);
    return original;
}

}  // namespace sup::os
