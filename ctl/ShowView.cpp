#include "ctl/ShowView.h"

#include <algorithm>

#include "ctl/TimeFormat.h"

namespace sup::ctl {

PropertyList processProperties(const ProcessRecord& p) {
    return {
        {"Name", p.name},
        {"Group", p.group},
        {"State", p.state},
        {"Pid", std::to_string(p.pid)},
        {"Restarts", std::to_string(p.restarts)},
        {"ExitStatus", std::to_string(p.exitStatus)},
        {"LastExit", p.lastExit},
        {"SpawnError", p.spawnError},
        {"Reason", p.reason},
        {"StartedAt", formatTimestamp(p.startedAtUsec)},
        {"StartedAtUSec", std::to_string(p.startedAtUsec)},
        {"StateSince", formatTimestamp(p.stateSinceUsec)},
        {"StateSinceUSec", std::to_string(p.stateSinceUsec)},
        {"NextStart", formatTimestamp(p.nextStartUsec)},
        {"NextStartUSec", std::to_string(p.nextStartUsec)},
        {"CpuUsec", std::to_string(p.cpuUsec)},
        {"MaxRssKiB", std::to_string(p.maxRssKiB)},
        {"Command", p.command},
        {"SourceFile", p.sourceFile},
        {"SourceLine", std::to_string(p.sourceLine)},
        {"Priority", std::to_string(p.priority)},
        {"Object", p.objectPath},
    };
}

PropertyList daemonProperties(const DaemonInfo& d) {
    std::string counts;
    for (auto& [state, n] : d.stateCounts) {
        if (!counts.empty()) counts += ' ';
        counts += state + "=" + std::to_string(n);
    }
    return {
        {"Version", d.version},
        {"State", d.state},
        {"ConfigPath", d.configPath},
        {"ForkPressure", d.forkPressure},
        {"ProcessCount", std::to_string(d.processCount)},
        {"StateCounts", counts},
    };
}

std::string renderProperties(const PropertyList& props, const std::vector<std::string>& only,
                             bool valueOnly) {
    std::string out;
    for (auto& [key, value] : props) {
        if (!only.empty() && std::find(only.begin(), only.end(), key) == only.end()) continue;
        out += valueOnly ? value : key + "=" + value;
        out += '\n';
    }
    return out;
}

}  // namespace sup::ctl
