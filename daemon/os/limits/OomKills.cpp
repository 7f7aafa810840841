#include "os/limits/OomKills.h"

#include "os/limits/PidsCgroup.h"

namespace sup::os::limits {

std::optional<std::uint64_t> parseOomKillLine(std::string_view text) {
    constexpr std::string_view kKey = "oom_kill ";
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        if (line.substr(0, kKey.size()) == kKey) return parseU64(line.substr(kKey.size()));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return std::nullopt;
}

std::optional<std::uint64_t> readOomKills(const FsRoot& fs, pid_t self) {
    const auto loc = locateControllerCgroup(fs, self, "memory");
    if (!loc) return std::nullopt;
    const std::string dir = loc->path == "/" ? loc->base : loc->base + loc->path;
    const auto text = fs.read(dir + (loc->v2 ? "/memory.events" : "/memory.oom_control"));
    if (!text) return std::nullopt;
    return parseOomKillLine(*text);
}

}  // namespace sup::os::limits
