#include "os/limits/OomKills.h"

#include "os/limits/PidsCgroup.h"

namespace sup::os::limits {

std::optional<std::uint64_t> readOomKills(const FsRoot& fs, pid_t self) {
    const auto loc = locateControllerCgroup(fs, self, "memory");
    if (!loc) return std::nullopt;
    // "oom_kill N" in both (v1 since kernel 4.13).
    const auto text = fs.read(cgroupDirectory(*loc) + (loc->v2 ? "/memory.events" : "/memory.oom_control"));
    if (!text) return std::nullopt;
    return keyedValue(*text, "oom_kill");
}

}  // namespace sup::os::limits
