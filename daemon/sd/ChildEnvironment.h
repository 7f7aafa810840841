// Variables systemd hands to the daemon that must never reach the services it starts.
#pragma once

#include <string>
#include <vector>

namespace sup::sd {

// NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES and
// JOURNAL_STREAM. The last one too: a child writes to the daemon's pipe, not to the journal stream
// the variable describes, so a child trusting it (journald-aware programs switch to native
// logging when it matches) would be misled; and it cannot match anyway.
// The supervisor removes exactly these names from every child's environment.
const std::vector<std::string>& systemdOnlyEnvironment();

// True if `entry` ("NAME=value" or "NAME") names one of those variables.
bool isSystemdOnly(const std::string& entry);

}  // namespace sup::sd
