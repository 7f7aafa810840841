// The configuration model: what a user wrote in YAML, validated and with defaults applied.
// Pure data. The daemon, supctl and the tests all read it; only config/ builds it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sup {

using Duration = std::chrono::milliseconds;

// The longest duration a configuration may hold, and what `infinity` reads as: 100 years, which means
// "never" to a process supervisor. Beyond it nanosecond clock arithmetic nears overflow: steady_clock and
// system_clock count int64 nanoseconds (about 292 years; system_clock's ends in 2262), and the daemon
// computes `now + duration` (deadlines) and turns steady deadlines into wall-clock times for D-Bus.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 36'500);

// Where a value came from, so errors and `supctl show` can name file:line:column.
struct SourceLocation {
    std::string file;
    int line = 0;    // 1-based; 0 = unknown
    int column = 0;  // 1-based; 0 = unknown
    bool operator==(const SourceLocation&) const = default;
};

// systemd's words: Restart=always|on-failure|no ("never" is our spelling of "no").
enum class RestartMode { Always, OnFailure, Never };

struct BackoffSpec {
    Duration initial{1000};      // first delay before a restart
    Duration max{60000};         // cap of the exponential growth
    Duration resetAfter{60000};  // a run at least this long resets the delay to `initial`
    bool operator==(const BackoffSpec&) const = default;
};

// Where one output stream of a service goes.
struct LogTarget {
    enum class Kind {
        File,     // size-rotated file at `path`
        Journal,  // systemd journal, SYSLOG_IDENTIFIER=<instance name>
        Null,     // discarded (still kept in the in-memory tail)
        Daemon,   // the daemon's own log (stderr), prefixed with the instance name
        Stdout,   // only for stderr: merged into the stdout target
    };
    Kind kind = Kind::Daemon;
    std::string path;                  // File only; "{name}" is replaced with the instance name
    std::uint64_t maxSize = 10 << 20;  // File only; 0 = never rotate
    unsigned backups = 5;              // File only; rotated copies kept: path.1 .. path.N
    bool operator==(const LogTarget&) const = default;
};

struct ServiceSpec {
    std::string name;                        // the group name; instances are name or name@i
    std::vector<std::string> command;        // argv; command[0] is looked up in PATH if it has no '/'
    std::string directory;                   // empty = "/"
    std::optional<std::string> user;         // as written (name or number); empty = the daemon's user
    std::optional<std::string> group;        // as written; empty = the user's primary group
    std::optional<uid_t> uid;                // resolved at load time
    std::optional<gid_t> gid;                // resolved at load time (the user's primary group by default)
    std::vector<gid_t> supplementaryGroups;  // resolved with getgrouplist() for the user
    std::string home;                        // the user's home (for HOME in the environment)
    std::string account;                     // the user's passwd name, for USER and LOGNAME; empty for a
                                             // uid without a passwd entry
    std::map<std::string, std::string> environment;  // environment_file first, then `environment` over it
    std::string environmentFile;                     // as written, for display
    std::optional<mode_t> umask;                     // empty = inherit the daemon's (022 under systemd)
    unsigned numprocs = 1;
    bool autostart = true;
    RestartMode restart = RestartMode::Always;
    std::vector<int> successExitCodes{0};
    Duration startSeconds{1000};
    unsigned startRetries = 3;
    BackoffSpec backoff;
    int stopSignal = SIGTERM;
    Duration stopTimeout{10000};
    bool killGroup = true;
    int priority = 100;
    LogTarget stdoutTarget;  // default: Daemon
    LogTarget stderrTarget;  // default: Daemon
    bool timestamps = false;
    SourceLocation where;  // the `name:` key of this service

    // Instance names in index order: {"web"} for numprocs 1, {"web@0","web@1"} otherwise.
    std::vector<std::string> instanceNames() const;

    // True when a running instance can take `other` without a restart: what the exec depends on is
    // equal (command, user, group, directory, umask, environment, whether stderr is merged into
    // stdout). Everything else (restart policy, timeouts, backoff, priority, log targets, ...) a
    // reload applies in place.
    bool sameExec(const ServiceSpec& other) const;

    // Every field, `where` included (sameExec() is the comparison that decides a restart).
    bool operator==(const ServiceSpec&) const = default;
};

struct DaemonSettings {
    std::string stateDir = "/run/supervisord";    // lock file lives here
    std::string logDir = "/var/log/supervisord";  // default directory for relative log paths
    std::vector<std::string> controlGroups;       // groups whose members may start/stop/reload (besides root)
    // Groups whose members may also read output (tail, follow) and run doctor; missing groups are ignored.
    std::vector<std::string> readGroups{"adm", "systemd-journal"};
    unsigned limitWarnPercent = 80;     // `supctl limits` marks dimensions at or over this
    std::size_t tailBytes = 64 * 1024;  // in-memory tail kept per instance and stream
    std::string logLevel = "info";      // trace debug info warn error critical off
    SourceLocation where;               // the `supervisor:` key, when present
    bool operator==(const DaemonSettings&) const = default;
};

struct Config {
    DaemonSettings supervisor;
    std::vector<ServiceSpec> services;  // sorted by name
    std::vector<std::string> files;     // the files that were read, in order
};

std::string toString(RestartMode);
std::string signalName(int sig);  // "TERM", "KILL", ...; "SIG42" for unknown ones
}  // namespace sup
