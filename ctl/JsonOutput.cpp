#include "ctl/JsonOutput.h"

#include "ctl/JsonStream.h"
#include "ctl/LimitsView.h"

namespace sup::ctl {

Json processJson(const ProcessRecord& p) {
    Json j = Json::object();
    // ordered_json keeps keys in a vector: one allocation instead of five regrowths per process.
    j.get_ref<Json::object_t&>().reserve(24);
    j["name"] = p.name;
    j["group"] = p.group;
    j["state"] = p.state;
    j["pid"] = p.pid;
    j["restarts"] = p.restarts;
    j["exit_status"] = p.exitStatus;
    j["last_exit"] = p.lastExit;
    j["spawn_error"] = p.spawnError;
    j["reason"] = p.reason;
    j["started_at"] = p.startedAtUsec;
    j["state_since"] = p.stateSinceUsec;
    j["next_start"] = p.nextStartUsec;
    j["cpu_usec"] = p.cpuUsec;
    j["max_rss_kib"] = p.maxRssKiB;
    // The arguments, boundaries kept ("a b" stays one word); an older daemon sends no argv.
    j["command"] = !p.argv.empty() || p.command.empty() ? Json(p.argv) : Json::array({p.command});
    j["source_file"] = p.sourceFile;
    j["source_line"] = p.sourceLine;
    j["priority"] = p.priority;
    j["requires"] = p.required;
    j["wants"] = p.wanted;
    j["after"] = p.after;
    j["required_by"] = p.requiredBy;
    j["ready_state"] = p.readyState;
    j["notify_status"] = p.notifyStatus;
    return j;
}

Json processListJson(const std::vector<ProcessRecord>& processes) {
    Json arr = Json::array();
    arr.get_ref<Json::array_t&>().reserve(processes.size());
    for (const auto& p : processes) arr.push_back(processJson(p));
    return arr;
}

namespace {

// The keys and order of processJson().
void writeProcess(JsonStream& w, const ProcessRecord& p) {
    auto integer = [&](std::string_view key, std::int64_t n) {
        w.key(key);
        w.value(n);
    };
    auto text = [&](std::string_view key, const auto& value) {
        w.key(key);
        w.value(value);
    };
    w.beginObject();
    text("name", p.name);
    text("group", p.group);
    text("state", p.state);
    integer("pid", p.pid);
    integer("restarts", p.restarts);
    integer("exit_status", p.exitStatus);
    text("last_exit", p.lastExit);
    text("spawn_error", p.spawnError);
    text("reason", p.reason);
    integer("started_at", p.startedAtUsec);
    integer("state_since", p.stateSinceUsec);
    integer("next_start", p.nextStartUsec);
    w.key("cpu_usec");
    w.value(static_cast<std::uint64_t>(p.cpuUsec));
    integer("max_rss_kib", p.maxRssKiB);
    if (!p.argv.empty() || p.command.empty()) {
        text("command", p.argv);
    } else {
        w.key("command");
        w.beginArray();
        w.value(p.command);
        w.endArray();
    }
    text("source_file", p.sourceFile);
    integer("source_line", p.sourceLine);
    integer("priority", p.priority);
    text("requires", p.required);
    text("wants", p.wanted);
    text("after", p.after);
    text("required_by", p.requiredBy);
    text("ready_state", p.readyState);
    text("notify_status", p.notifyStatus);
    w.endObject();
}

}  // namespace

std::string processListLine(const std::vector<ProcessRecord>& processes) {
    std::string line;
    line.reserve(processes.size() * 512 + 3);  // about what one instance takes
    JsonStream w(line);
    w.beginArray();
    for (const auto& p : processes) writeProcess(w, p);
    w.endArray();
    line += '\n';
    return line;
}

Json daemonJson(const DaemonInfo& d) {
    Json counts = Json::object();
    for (auto& [state, n] : d.stateCounts) counts[state] = n;
    Json j = Json::object();
    j["version"] = d.version;
    j["state"] = d.state;
    j["config_path"] = d.configPath;
    j["fork_pressure"] = d.forkPressure;
    j["process_count"] = d.processCount;
    j["state_counts"] = counts;
    return j;
}

Json reloadJson(const ReloadOutcome& r) {
    Json j = Json::object();
    j["added"] = r.added;
    j["removed"] = r.removed;
    j["changed"] = r.changed;
    return j;
}

Json limitsJson(const LimitsReading& l) {
    Json dims = Json::array();
    for (const auto& d : l.dimensions) {
        Json top = Json::array();
        for (const auto& c : d.top) top.push_back(Json{{"command", c.command}, {"count", c.count}});
        Json j = Json::object();
        j["id"] = d.id;
        j["title"] = d.title;
        j["used"] = d.used;
        j["limit"] = d.limit;
        j["percent"] = d.percent;
        j["hit_count"] = d.hitCount;
        j["source"] = d.source;
        j["note"] = d.note;
        j["warn"] = overWarning(d, l.warnPercent);
        j["binding"] = d.id == l.bindingId;
        j["top"] = top;
        dims.push_back(j);
    }
    Json j = Json::object();
    j["warn_percent"] = l.warnPercent;
    j["binding"] = l.bindingId;
    j["dimensions"] = dims;
    return j;
}

Json findingsJson(const std::vector<DoctorFinding>& findings) {
    Json arr = Json::array();
    for (const auto& f : findings) {
        Json j = Json::object();
        j["name"] = f.name;
        j["severity"] = f.severity;
        j["what"] = f.what;
        j["fix"] = f.fix;
        arr.push_back(j);
    }
    return arr;
}

Json doctorJson(const std::vector<std::string>& checked, const std::vector<std::string>& notRunning,
                const std::vector<DoctorFinding>& findings, const std::string& error) {
    Json j = Json::object();
    j["checked"] = Json::array();
    for (const auto& n : checked) j["checked"].push_back(n);
    j["not_running"] = Json::array();
    for (const auto& n : notRunning) j["not_running"].push_back(n);
    j["findings"] = findingsJson(findings);
    j["error"] = error;
    return j;
}

std::string dumpLine(const Json& j) {
    // Replace invalid UTF-8 (a process's reason may quote raw bytes) instead of throwing.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sup::ctl
