#include "sd/ChildEnvironment.h"

#include <algorithm>

namespace sup::sd {

const std::vector<std::string>& systemdOnlyEnvironment() {
    static const std::vector<std::string> names{
        // The daemon's own protocol with systemd: notify socket, watchdog, socket activation.
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
        "WATCHDOG_PID",
        "LISTEN_FDS",
        "LISTEN_PID",
        "LISTEN_FDNAMES",
        "JOURNAL_STREAM",
        // The daemon's unit: its directories, its invocation, its memory pressure watch and its
        // credentials. A service is not that unit and would write into or act on the wrong one.
        "RUNTIME_DIRECTORY",
        "LOGS_DIRECTORY",
        "STATE_DIRECTORY",
        "CONFIGURATION_DIRECTORY",
        "CACHE_DIRECTORY",
        "INVOCATION_ID",
        "MEMORY_PRESSURE_WATCH",
        "MEMORY_PRESSURE_WRITE",
        "CREDENTIALS_DIRECTORY",
    };
    return names;
}

bool isSystemdOnly(const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    const auto& names = systemdOnlyEnvironment();
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace sup::sd
