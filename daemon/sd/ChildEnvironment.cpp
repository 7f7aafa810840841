#include "sd/ChildEnvironment.h"

#include <algorithm>

namespace sup::sd {

const std::vector<std::string>& systemdOnlyEnvironment() {
    static const std::vector<std::string> names{
        "NOTIFY_SOCKET", "WATCHDOG_USEC",  "WATCHDOG_PID",   "LISTEN_FDS",
        "LISTEN_PID",    "LISTEN_FDNAMES", "JOURNAL_STREAM",
    };
    return names;
}

bool isSystemdOnly(const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    const auto& names = systemdOnlyEnvironment();
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace sup::sd
