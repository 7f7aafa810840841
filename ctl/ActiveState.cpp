#include "ctl/ActiveState.h"

#include "ctl/ExitCode.h"

namespace sup::ctl {

std::string activeStateOf(const std::string& state) {
    // STARTING counts as active: the process is forked and exec'd, which is when systemd calls a
    // Type=simple service active; start_seconds is supervisord's own probation on top of that.
    if (state == "RUNNING" || state == "STARTING") return "active";
    // Waiting to start again after a crash is systemd's "activating (auto-restart)".
    if (state == "BACKOFF") return "activating";
    if (state == "STOPPING") return "deactivating";
    if (state == "FATAL") return "failed";
    return "inactive";  // STOPPED, EXITED
}

int isActiveExitCode(const StateCheck& check) {
    bool allActive = !check.states.empty();
    for (const auto& s : check.states)
        if (activeStateOf(s) != "active") allActive = false;
    if (allActive && !check.unmatched) return kExitOk;
    return check.unmatched ? kExitNoSuchProcess : kExitNotRunning;
}

int isFailedExitCode(const StateCheck& check) {
    for (const auto& s : check.states)
        if (activeStateOf(s) == "failed") return kExitOk;
    return check.unmatched ? kExitNoSuchProcess : kExitFailure;
}

}  // namespace sup::ctl
