#include "ctl/StatusView.h"

#include "ctl/ExitCode.h"
#include "ctl/Table.h"
#include "ctl/TimeFormat.h"

namespace sup::ctl {

namespace {

// How long the process has been in its STATE: a RUNNING one counts from its start (its uptime), every
// other from its last state change, so a FATAL row says how long it has been FATAL.
std::string inStateCell(const ProcessRecord& p, std::int64_t nowUsec) {
    if (p.state == "RUNNING" && p.startedAtUsec > 0) return formatDuration(nowUsec - p.startedAtUsec);
    if (p.stateSinceUsec > 0) return formatDuration(nowUsec - p.stateSinceUsec);
    return "-";
}

// The daemon words a pending restart as "...; restarting in 4s" when it decides it; the table says it
// once, counting down to the due time instead.
constexpr const char* kRestartingIn = "; restarting in ";

bool failing(const ProcessRecord& p) {
    return p.state == "BACKOFF" || p.state == "FATAL";
}

}  // namespace

std::string stateStyle(const ProcessRecord& p) {
    if (p.state == "RUNNING") return style::kGreen;
    if (p.state == "STARTING" || p.state == "STOPPING") return style::kYellow;
    if (p.state == "BACKOFF") return style::kRed;
    if (p.state == "FATAL") return style::kBoldRed;
    if (p.state == "EXITED" && p.exitStatus != 0) return style::kRed;
    return style::kNone;
}

std::string describeReason(const ProcessRecord& p, std::int64_t nowUsec) {
    std::string out = p.reason;
    auto add = [&](const std::string& part) {
        if (part.empty()) return;
        if (!out.empty()) out += "; ";
        out += part;
    };
    // A spawn error explains a failing process; on a running or stopped one it is history.
    if (failing(p) && !p.spawnError.empty() && p.reason.find(p.spawnError) == std::string::npos)
        add(p.spawnError);
    if (p.state == "BACKOFF" && p.nextStartUsec > 0) {
        const std::int64_t left = p.nextStartUsec - nowUsec;
        const auto said = out.find(kRestartingIn);
        if (said != std::string::npos) {
            out.erase(said);
            add(left > 0 ? "restarting in " + formatDuration(left) : "restarting now");
        } else {
            add(left > 0 ? "next try in " + formatDuration(left) : "next try now");
        }
    }
    // What a notify service says of itself (sd_notify STATUS=), as `systemctl status` shows it: only
    // while its process lives, since it spoke for that process.
    if (!p.notifyStatus.empty() && (p.state == "STARTING" || p.state == "RUNNING"))
        add("status: " + p.notifyStatus);
    return out;
}

std::string renderStatusTable(const std::vector<ProcessRecord>& processes, std::int64_t nowUsec,
                              bool colour) {
    Table table({"NAME", "STATE", "PID", "IN-STATE", "RESTARTS", "LAST-EXIT", "REASON"});
    table.alignRight(2);
    table.alignRight(4);
    for (const auto& p : processes) {
        const std::string reason = describeReason(p, nowUsec);
        table.addRow({Cell(p.name), Cell(p.state, stateStyle(p)), Cell(p.pid ? std::to_string(p.pid) : "-"),
                      Cell(inStateCell(p, nowUsec)), Cell(std::to_string(p.restarts)),
                      Cell(p.lastExit.empty() ? "-" : p.lastExit),
                      Cell(reason, failing(p) ? style::kRed : style::kNone)});
    }
    return table.render(colour);
}

int statusExitCode(const std::vector<ProcessRecord>& listed, bool somePatternUnmatched) {
    if (somePatternUnmatched) return kExitNoSuchProcess;
    for (const auto& p : listed)
        if (p.state != "RUNNING") return kExitNotRunning;
    return kExitOk;
}

}  // namespace sup::ctl
