// `supctl is-active` and `is-failed`: supervisord's states in systemd's ActiveState words, and the
// exit codes systemctl gives for them. Pure, so the whole mapping is unit-tested.
#pragma once

#include <string>
#include <vector>

namespace sup::ctl {

// RUNNING, STARTING -> "active"; BACKOFF -> "activating"; STOPPING -> "deactivating";
// STOPPED, EXITED -> "inactive"; FATAL -> "failed". Anything else -> "inactive".
std::string activeStateOf(const std::string& state);

// What is-active/is-failed found: the supervisord state of every matched instance, and whether a
// pattern matched nothing (systemctl prints "inactive" for such a unit).
struct StateCheck {
    std::vector<std::string> states;
    bool unmatched = false;
};

// is-active: 0 when every matched instance is active and every pattern matched; otherwise 4 when a
// pattern matched nothing, else 3 (LSB "program is not running").
int isActiveExitCode(const StateCheck& check);

// is-failed: 0 when any matched instance is failed (FATAL); otherwise 4 when a pattern matched
// nothing, else 1 (LSB "program is dead and /var/run pid file exists", as systemctl uses it).
int isFailedExitCode(const StateCheck& check);

}  // namespace sup::ctl
