// What supctl learns from supervisord, in plain C++ types. BusClient fills these from D-Bus
// messages; every formatter works on them, so formatting is testable without a bus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sup::ctl {

// One process instance: the process dictionary of ListProcesses/GetProcess (see io.supervisord.xml).
struct ProcessRecord {
    std::string name;   // "web@0"
    std::string group;  // "web"
    std::string state;  // STOPPED STARTING RUNNING BACKOFF STOPPING EXITED FATAL
    std::uint32_t pid = 0;
    std::uint32_t restarts = 0;
    std::int32_t exitStatus = -1;  // -1 = never exited
    std::string lastExit;          // "exit 1", "signal KILL"
    std::string spawnError;
    std::string reason;
    std::int64_t startedAtUsec = 0;   // CLOCK_REALTIME, 0 = never
    std::int64_t stateSinceUsec = 0;  // CLOCK_REALTIME
    std::int64_t nextStartUsec = 0;   // CLOCK_REALTIME, 0 = none scheduled
    std::uint64_t cpuUsec = 0;
    std::int64_t maxRssKiB = 0;
    std::string command;            // argv joined for display
    std::vector<std::string> argv;  // the command's argument boundaries (empty from an older daemon)
    std::string sourceFile;
    std::int32_t sourceLine = 0;
    std::int32_t priority = 0;
    // Dependencies as written in the configuration (services or instances such as "db@1"), and the
    // instances that require this one.
    std::vector<std::string> required, wanted, after, requiredBy;  // YAML requires, wants, after
    std::string readyState;    // "started", "waiting", "ready", "done" or ""
    std::string notifyStatus;  // the last sd_notify STATUS= text
    std::string objectPath;
};

// The definition an instance runs with: the definition properties of io.supervisord.Process1 (the
// service as loaded, defaults filled in). For `supctl show` and `supctl cat`.
struct ServiceDefinition {
    std::vector<std::string> execStart;
    std::string workingDirectory;
    std::string user;                      // "" = the daemon's user
    std::string unixGroup;                 // "" = the user's primary group
    std::string umask;                     // "0022"; "" = inherited from the daemon
    std::vector<std::string> environment;  // KEY=VALUE
    std::string environmentFile;
    std::uint32_t numProcs = 1;
    bool autostart = true;
    std::string restart;
    std::vector<std::int32_t> successExitStatus;
    std::uint64_t startSecUsec = 0;
    std::uint32_t startRetries = 0;
    std::uint64_t backoffInitialUsec = 0;
    std::uint64_t backoffMaxUsec = 0;
    std::uint64_t backoffResetUsec = 0;
    std::string stopSignal;
    std::uint64_t stopTimeoutUsec = 0;
    bool killGroup = true;
    std::string standardOutput;  // daemon, journal, null, file:PATH
    std::uint64_t standardOutputMaxSize = 0;
    std::uint32_t standardOutputBackups = 0;
    std::string standardError;  // the same, or stdout
    std::uint64_t standardErrorMaxSize = 0;
    std::uint32_t standardErrorBackups = 0;
    bool timestamps = false;
};

// The manager's own properties, for `supctl show` without a name and `supctl version`.
struct DaemonInfo {
    std::string version;
    std::string state;  // starting, running, reloading, stopping
    std::string configPath;
    std::string forkPressure;  // "" when forks succeed
    std::uint32_t processCount = 0;
    std::vector<std::pair<std::string, std::uint32_t>> stateCounts;  // state name -> instances
};

struct LimitConsumer {
    std::string command;
    std::uint64_t count = 0;
};

// One limit that can make fork() (or open()) fail; see GetLimits in io.supervisord.xml.
struct LimitDimension {
    std::string id;  // stable key: "pid-max", "nproc:uid=1000", ...
    std::string title;
    std::uint64_t used = 0;
    std::uint64_t limit = 0;  // 0 = unlimited
    double percent = 0;
    std::uint64_t hitCount = 0;
    std::string source;
    std::string note;
    std::vector<LimitConsumer> top;
};

struct LimitsReading {
    unsigned warnPercent = 80;
    std::string bindingId;  // "" = nothing near its limit
    std::vector<LimitDimension> dimensions;
};

// One thing `doctor` found wrong with a live process.
struct DoctorFinding {
    std::string name;      // instance
    std::string severity;  // "warning" or "error"
    std::string what;
    std::string fix;
};

struct ReloadOutcome {
    std::vector<std::string> added, removed, changed;
};

}  // namespace sup::ctl
