// Variables systemd hands to the daemon that must never reach the services it starts.
#pragma once

#include <string>
#include <vector>

namespace sup::sd {

// NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES and
// JOURNAL_STREAM. The last one too: a child writes to the daemon's pipe, not to the journal stream
// the variable describes, so a child trusting it (journald-aware programs switch to native
// logging when it matches) would be misled; and it cannot match anyway.
// Also what describes the daemon's unit rather than a service: RUNTIME_DIRECTORY, LOGS_DIRECTORY,
// STATE_DIRECTORY, CONFIGURATION_DIRECTORY, CACHE_DIRECTORY (the unit's directories: a service
// trusting them would write into the daemon's lock file directory or log directory),
// INVOCATION_ID (the daemon's invocation, not the service's), MEMORY_PRESSURE_WATCH and
// MEMORY_PRESSURE_WRITE (the daemon's cgroup pressure file) and CREDENTIALS_DIRECTORY (the daemon's
// credentials, readable by root only; a service dropped to its user could not read them anyway).
// The supervisor removes exactly these names from every child's environment.
const std::vector<std::string>& systemdOnlyEnvironment();

// True if `entry` ("NAME=value" or "NAME") names one of those variables.
bool isSystemdOnly(const std::string& entry);

}  // namespace sup::sd
