#include "sd/UserDirectories.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "ServiceSpec.h"

namespace sup::sd {

namespace {
// An XDG variable counts only when set to an absolute path.
std::string xdgOr(const char* value, const std::string& fallback) {
    if (value != nullptr && value[0] == '/') return value;
    return fallback;
}
}  // namespace

UserDirectories userDirectories(const char* home, const char* xdgConfigHome, const char* xdgStateHome,
                                const char* xdgRuntimeDir) {
    const std::string h = home != nullptr ? home : "";
    UserDirectories dirs;
    dirs.config = xdgOr(xdgConfigHome, h + "/.config") + "/supervisord";
    dirs.logs = xdgOr(xdgStateHome, h + "/.local/state") + "/supervisord";
    const std::string runtime = xdgOr(xdgRuntimeDir, "");
    dirs.runtime = runtime.empty() ? dirs.logs : runtime + "/supervisord";
    return dirs;
}

UserDirectories userDirectoriesFromEnvironment() {
    const char* home = std::getenv("HOME");
    std::string fromPasswd;
    if (home == nullptr || home[0] != '/') {
        // getpwuid_r: the daemon is single-threaded, but nothing here needs the static buffer.
        passwd entry{};
        passwd* found = nullptr;
        char buf[4096];
        if (::getpwuid_r(::getuid(), &entry, buf, sizeof buf, &found) == 0 && found != nullptr &&
            found->pw_dir != nullptr)
            fromPasswd = found->pw_dir;
        home = fromPasswd.empty() ? nullptr : fromPasswd.c_str();
    }
    return userDirectories(home, std::getenv("XDG_CONFIG_HOME"), std::getenv("XDG_STATE_HOME"),
                           std::getenv("XDG_RUNTIME_DIR"));
}

void applyUserDefaults(DaemonSettings& settings, const UserDirectories& dirs) {
    const DaemonSettings system;
    if (settings.stateDir == system.stateDir) settings.stateDir = dirs.runtime;
    if (settings.logDir == system.logDir) settings.logDir = dirs.logs;
}

}  // namespace sup::sd
