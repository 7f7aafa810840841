#include "ctl/ShowView.h"

#include <algorithm>

#include "ctl/TimeFormat.h"

namespace sup::ctl {

namespace {

std::string yesNo(bool b) {
    return b ? "yes" : "no";
}

Property text(const char* name, const std::string& value) {
    return {name, value, value};
}

template <typename Number>
Property number(const char* name, Number value) {
    return {name, std::to_string(value), value};
}

Property flag(const char* name, bool value) {
    return {name, yesNo(value), value};
}

Property timespan(const char* name, std::uint64_t usec) {
    return {name, formatTimespan(usec), usec};
}

Property words(const char* name, const std::vector<std::string>& list) {
    return {name, joinWords(list), list};
}

}  // namespace

std::string joinWords(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ' ';
        if (!w.empty() && w.find_first_of(" \t\n\"'\\$`;&|<>*?()[]{}~#") == std::string::npos) {
            out += w;
            continue;
        }
        out += '\'';
        for (char ch : w) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        out += '\'';
    }
    return out;
}

PropertyList processProperties(const ProcessRecord& p, const ServiceDefinition& d) {
    std::string exitCodes;
    for (auto code : d.successExitStatus) exitCodes += (exitCodes.empty() ? "" : " ") + std::to_string(code);
    const std::vector<std::string> argv = !p.argv.empty() ? p.argv : d.execStart;
    return {
        text("Name", p.name),
        text("Service", p.group),
        text("State", p.state),
        number("Pid", p.pid),
        number("Restarts", p.restarts),
        number("ExitStatus", p.exitStatus),
        text("LastExit", p.lastExit),
        text("SpawnError", p.spawnError),
        text("Reason", p.reason),
        {"StartedAt", formatTimestamp(p.startedAtUsec), p.startedAtUsec},
        number("StartedAtUSec", p.startedAtUsec),
        {"StateSince", formatTimestamp(p.stateSinceUsec), p.stateSinceUsec},
        number("StateSinceUSec", p.stateSinceUsec),
        {"NextStart", formatTimestamp(p.nextStartUsec), p.nextStartUsec},
        number("NextStartUSec", p.nextStartUsec),
        number("CpuUsec", p.cpuUsec),
        number("MaxRssKiB", p.maxRssKiB),
        words("ExecStart", argv),
        text("Command", p.command),
        text("WorkingDirectory", d.workingDirectory),
        text("User", d.user),
        text("Group", d.unixGroup),
        text("UMask", d.umask),
        words("Environment", d.environment),
        text("EnvironmentFile", d.environmentFile),
        number("NumProcs", d.numProcs),
        flag("Autostart", d.autostart),
        text("Restart", d.restart),
        {"SuccessExitStatus", exitCodes, d.successExitStatus},
        timespan("StartSecUSec", d.startSecUsec),
        number("StartRetries", d.startRetries),
        timespan("BackoffInitialUSec", d.backoffInitialUsec),
        timespan("BackoffMaxUSec", d.backoffMaxUsec),
        timespan("BackoffResetUSec", d.backoffResetUsec),
        text("StopSignal", d.stopSignal),
        timespan("StopTimeoutUSec", d.stopTimeoutUsec),
        flag("KillGroup", d.killGroup),
        number("Priority", p.priority),
        words("Requires", p.required),
        words("Wants", p.wanted),
        words("After", p.after),
        words("RequiredBy", p.requiredBy),
        text("ReadyState", p.readyState),
        text("NotifyStatus", p.notifyStatus),
        text("StandardOutput", d.standardOutput),
        number("StandardOutputMaxSize", d.standardOutputMaxSize),
        number("StandardOutputBackups", d.standardOutputBackups),
        text("StandardError", d.standardError),
        number("StandardErrorMaxSize", d.standardErrorMaxSize),
        number("StandardErrorBackups", d.standardErrorBackups),
        flag("Timestamps", d.timestamps),
        text("SourceFile", p.sourceFile),
        number("SourceLine", p.sourceLine),
        text("Object", p.objectPath),
    };
}

PropertyList daemonProperties(const DaemonInfo& d) {
    std::string counts;
    Json countsJson = Json::object();
    for (auto& [state, n] : d.stateCounts) {
        if (!counts.empty()) counts += ' ';
        counts += state + "=" + std::to_string(n);
        countsJson[state] = n;
    }
    return {
        text("Version", d.version),
        text("State", d.state),
        text("ConfigPath", d.configPath),
        text("ForkPressure", d.forkPressure),
        number("ProcessCount", d.processCount),
        {"StateCounts", counts, countsJson},
    };
}

namespace {

// The properties to print: all in their own order, or those asked for in the order asked.
std::vector<const Property*> select(const PropertyList& props, const std::vector<std::string>& only) {
    std::vector<const Property*> out;
    if (only.empty()) {
        for (const auto& p : props) out.push_back(&p);
        return out;
    }
    for (const auto& name : only) {
        auto it = std::find_if(props.begin(), props.end(), [&](const Property& p) { return p.name == name; });
        if (it != props.end()) out.push_back(&*it);
    }
    return out;
}

}  // namespace

std::string renderProperties(const PropertyList& props, const std::vector<std::string>& only,
                             bool valueOnly) {
    std::string out;
    for (const Property* p : select(props, only)) {
        out += valueOnly ? p->text : p->name + "=" + p->text;
        out += '\n';
    }
    return out;
}

Json propertiesJson(const PropertyList& props, const std::vector<std::string>& only) {
    Json j = Json::object();
    for (const Property* p : select(props, only)) j[p->name] = p->value;
    return j;
}

}  // namespace sup::ctl
