// supctl --json: the machine-readable shapes. Keys are stable snake_case and always present, in a
// fixed order (ordered_json), so scripts and diffs can rely on them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctl/Model.h"

namespace sup::ctl {

using Json = nlohmann::ordered_json;

// {name, group, state, pid, restarts, exit_status, last_exit, spawn_error, reason, started_at,
//  state_since, next_start, cpu_usec, max_rss_kib, command, source_file, source_line, priority,
//  requires, wants, after, required_by, ready_state, notify_status};
// `command` is the argv as an array of strings, and so are the four dependency lists.
Json processJson(const ProcessRecord& p);
Json processListJson(const std::vector<ProcessRecord>& processes);  // an array, also when empty
// dumpLine(processListJson(processes)), byte for byte, written straight into one string: `supctl --json
// status` prints thousands of these, and building the tree first cost more than the printing.
std::string processListLine(const std::vector<ProcessRecord>& processes);

Json daemonJson(const DaemonInfo& d);
Json reloadJson(const ReloadOutcome& r);  // {added, removed, changed}
// {warn_percent, binding, dimensions: [{id, title, used, limit, percent, hit_count, source, note,
//  warn, binding, top: [{command, count}]}]}
Json limitsJson(const LimitsReading& l);
Json findingsJson(const std::vector<DoctorFinding>& findings);  // [{name, severity, what, fix}]
// `doctor --json`, in every case: {checked, not_running, findings, error}. `error` is "" unless the
// daemon could not be asked (then what supctl also prints on stderr).
Json doctorJson(const std::vector<std::string>& checked, const std::vector<std::string>& notRunning,
                const std::vector<DoctorFinding>& findings, const std::string& error);

// One line of compact JSON (plus newline), as scripts expect on stdout.
std::string dumpLine(const Json& j);

}  // namespace sup::ctl
