// The configuration model: what a user wrote in YAML, validated and with defaults applied.
// Pure data. The daemon, supctl and the tests all read it; only config/ builds it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
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
        Null,     // discarded: the child writes to /dev/null (see ServiceSpec::capture())
        Memory,   // read, but kept only in the in-memory tail (supctl tail)
        Daemon,   // the daemon's own log (stderr), prefixed with the instance name
        Stdout,   // only for stderr: merged into the stdout target
    };
    Kind kind = Kind::Daemon;
    std::string path;                  // File only; "{name}" is replaced with the instance name
    std::uint64_t maxSize = 10 << 20;  // File only; 0 = never rotate
    unsigned backups = 5;              // File only; rotated copies kept: path.1 .. path.N
    bool operator==(const LogTarget&) const = default;
};

// Which of a child's streams the daemon reads through a pipe; the others are /dev/null in the child.
// Fixed at exec: the child's fds 1 and 2.
struct StreamCapture {
    bool out = true;
    bool err = true;          // equal to `out` when errIntoOut
    bool errIntoOut = false;  // stderr shares stdout's fd (stderr: stdout)
    bool operator==(const StreamCapture&) const = default;
};

// A check the daemon runs against an instance: readiness (`ready:`) or liveness (`health:`).
enum class ProbeKind {
    Started,  // ready only: up once it ran for start_seconds (the default, Supervisor's behaviour)
    Notify,   // ready only: READY=1 on its own $NOTIFY_SOCKET (sd_notify, systemd-notify --ready)
    Tcp,      // a TCP connect to `address` succeeds
    Http,     // an HTTP GET of `url` answers `httpStatus`
    Exec,     // `argv` exits 0
    LogLine,  // ready only: a line of its stdout or stderr matches the regular expression `pattern`
};

struct ProbeSpec {
    ProbeKind kind = ProbeKind::Started;
    std::string address;            // Tcp: "host:port" ("127.0.0.1:6379", "[::1]:6379", "localhost:80")
    std::string url;                // Http
    int httpStatus = 200;           // Http: the status that counts as a success
    std::vector<std::string> argv;  // Exec: run like the service (user, environment, directory)
    std::string pattern;            // LogLine: ECMAScript regular expression, searched in each line
    Duration interval{1000};        // between attempts (ready: until it succeeds; health: always)
    Duration timeout{1000};         // one attempt longer than this is a failure
    unsigned failures = 3;          // health: this many misses in a row restart the instance
    SourceLocation where;           // the `ready:`/`health:` key
    bool operator==(const ProbeSpec&) const = default;
};

// systemd's Type=: simple is up while it runs; oneshot is done when it exits successfully.
enum class ServiceType { Simple, Oneshot };

// A name in requires/wants/after: a whole service ("db", all of its instances) or one instance ("db@0").
struct DependencyRef {
    std::string name;
    SourceLocation where;  // the list item, for errors (unknown name, a cycle's edges)
    bool operator==(const DependencyRef&) const = default;
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

    // Readiness, liveness and dependencies (config/REFERENCE.md, "Dependencies and readiness").
    ServiceType type = ServiceType::Simple;
    ProbeSpec ready;                  // kind Started: RUNNING after start_seconds, as before
    Duration readyTimeout{90000};     // not ready in time = a failed start (systemd's TimeoutStartSec=)
    Duration watchdog{0};             // ready: notify only; 0 = off. No WATCHDOG=1 for this long = restart
    std::optional<ProbeSpec> health;  // liveness; `failures` misses in a row restart the instance
    std::vector<DependencyRef>
        required;  // requires: started first and must be ready; their failure blocks this
    std::vector<DependencyRef> wanted;  // wants: started too, but their failure does not block this
    std::vector<DependencyRef> after;   // after: ordering only: if being started, wait until they are ready

    SourceLocation where;  // the `name:` key of this service

    // Instance names in index order: {"web"} for numprocs 1, {"web@0","web@1"} otherwise.
    std::vector<std::string> instanceNames() const;

    // Like systemd's StandardOutput=null, a `null` stream is /dev/null in the child: no pipe, no fd, no
    // wake-up, nothing in the tail. Readiness by log_line reads both streams, so it captures them
    // whatever their target.
    StreamCapture capture() const;

    // True when a running instance can take `other` without a restart: what the exec depends on is
    // equal (command, user, group, directory, umask, environment, capture()). Everything else (restart
    // policy, timeouts, backoff, priority, log targets, ...) a reload applies in place.
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

// A spec shared, read-only, by the running configuration and every instance that runs it: an instance
// costs no copy of its service's spec, and a reload swaps pointers.
using SharedSpec = std::shared_ptr<const ServiceSpec>;

struct Config {
    DaemonSettings supervisor;
    std::vector<ServiceSpec> services;  // sorted by name
    std::vector<std::string> files;     // the files that were read, in order
};

std::string toString(RestartMode);
std::string toString(ProbeKind);    // "started", "notify", "tcp", "http", "exec", "log_line"
std::string toString(ServiceType);  // "simple", "oneshot"
std::string signalName(int sig);    // "TERM", "KILL", ...; "SIG42" for unknown ones
}  // namespace sup
