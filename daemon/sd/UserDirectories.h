// Where a per-user daemon (`supervisord --user`) keeps its files when the configuration does not say:
// the XDG base directories, as systemd's user manager maps RuntimeDirectory= and StateDirectory=.
#pragma once

#include <string>

namespace sup {
struct DaemonSettings;
}

namespace sup::sd {

struct UserDirectories {
    std::string config;   // $XDG_CONFIG_HOME/supervisord, else ~/.config/supervisord
    std::string logs;     // $XDG_STATE_HOME/supervisord, else ~/.local/state/supervisord
    std::string runtime;  // $XDG_RUNTIME_DIR/supervisord, else `logs` (no runtime dir: a plain login)
};

// Pure: the variables as given (nullptr = unset). XDG variables that are empty or relative are
// ignored, as the XDG base directory specification says.
UserDirectories userDirectories(const char* home, const char* xdgConfigHome, const char* xdgStateHome,
                                const char* xdgRuntimeDir);

// The same from this process's environment; HOME falls back to the passwd entry of the real uid.
UserDirectories userDirectoriesFromEnvironment();

// Replaces the system defaults of state_dir and log_dir (/run/supervisord, /var/log/supervisord),
// which a user cannot write, by the user's directories. Values the configuration set otherwise stay.
void applyUserDefaults(DaemonSettings& settings, const UserDirectories& dirs);

}  // namespace sup::sd
