// What the outside world (the D-Bus adaptor, sd_notify status) may ask of and learn from the
// supervisor. The bus layer depends only on this header, so it can be tested against a fake.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ServiceSpec.h"
#include "core/LimitsReport.h"
#include "core/ProcessState.h"

namespace sup {

enum class OutputStream { Stdout, Stderr };
enum class DaemonState { Starting, Running, Reloading, Stopping };
std::string_view toString(DaemonState);

// A snapshot of one process instance, for status, show and the D-Bus objects.
struct ProcessInfo {
    std::string name;   // "web@0"
    std::string group;  // "web"
    ProcessState state = ProcessState::Stopped;
    pid_t pid = 0;                    // 0 when no process
    unsigned restarts = 0;            // automatic restarts since the daemon (or the last manual start) began
    std::int64_t startedAtUsec = 0;   // CLOCK_REALTIME µs of the current/last start, 0 = never
    std::int64_t stateSinceUsec = 0;  // CLOCK_REALTIME µs of the last state change
    std::string lastExit;    // "exit 1", "signal KILL (core dumped)", "exec: No such file or directory"
                             // (the child never ran its program), "" = never exited
    int exitStatus = -1;     // last exit as a shell number (code or 128+signal), -1 = never
    std::string spawnError;  // last spawn error, e.g. "exec /bin/nope: No such file or directory"
    std::string reason;      // why it is in this state ("exited too quickly", "fork: EAGAIN, ...")
    std::int64_t nextStartUsec = 0;  // CLOCK_REALTIME µs of the next automatic start (BACKOFF), 0 = none
    std::uint64_t cpuUsec = 0;       // user+system CPU of the last finished run
    long maxRssKiB = 0;              // of the last finished run
    std::string command;             // argv joined for display
    std::vector<std::string> argv;   // the command as its arguments
    std::string sourceFile;          // where it is defined
    int sourceLine = 0;
    int priority = 0;
    // Dependencies and readiness (config/REFERENCE.md). Requires/Wants/After as written in the
    // config (services or instances); RequiredBy: the instances that require this one.
    std::vector<std::string> required, wanted, after, requiredBy;
    std::string readyState;    // "started", "waiting", "ready", "done", "" (see ProcessMachine)
    std::string notifyStatus;  // the last STATUS= the service sent over its NOTIFY_SOCKET
};

struct ReloadResult {
    bool ok = false;
    std::string error;  // when !ok: the validation error text (file:line:col: key: message)
    std::vector<std::string> added, removed, changed;  // instance names
};

// Errors the bus maps to named D-Bus errors.
struct ControlError : std::runtime_error {
    enum class Kind { NoSuchProcess, AlreadyRunning, NotRunning, InvalidConfig, InvalidArgument, Failed };
    Kind kind;
    ControlError(Kind k, const std::string& msg) : std::runtime_error(msg), kind(k) {}
};

// One thing `supctl doctor` found wrong with a running process, with what to do about it.
struct DoctorFinding {
    std::string severity;  // "warning" or "error"
    std::string what;      // "stdout (fd 1) is in non-blocking mode"
    std::string fix;       // "the program or a library set O_NONBLOCK on an inherited descriptor; ..."
};

class ControlObserver {
  public:
    virtual ~ControlObserver() = default;
    virtual void onStateChanged(const ProcessInfo& info, ProcessState oldState,
                                const std::string& reason) = 0;
    virtual void onProcessesAdded(const std::vector<std::string>& names) = 0;
    virtual void onProcessesRemoved(const std::vector<std::string>& names) = 0;
    // A reload renamed an instance whose process goes on (numprocs 1 <-> N: "web" <-> "web@0"). To a
    // client that knows only names it is one object gone and another there, which is the default.
    virtual void onProcessRenamed(const std::string& from, const std::string& to) {
        onProcessesRemoved({from});
        onProcessesAdded({to});
    }
    // An instance's values moved without a state change: a notify STATUS= (NotifyStatus), or
    // RELOADING=1 / STOPPING=1 / READY=1 moving ReadyState while it stays RUNNING.
    virtual void onProcessChanged(const ProcessInfo& /*info*/) {}
    // Raw bytes as they arrive from the child (already timestamp-prefixed when `timestamps` is on).
    virtual void onOutput(const std::string& name, OutputStream stream, std::string_view data) = 0;
    virtual void onDaemonStateChanged(DaemonState state) = 0;
};

class Control {
  public:
    virtual ~Control() = default;

    // Every instance, in priority then name order, one ProcessInfo at a time: a reply of 1,000 rows
    // built from a copied list() held ~1 MiB of ProcessInfos at once, and the heap kept the pages.
    // `visit` only reads: it must not start, stop, reload or otherwise change the instances.
    virtual void forEachProcess(const std::function<void(const ProcessInfo&)>& visit) const = 0;
    std::vector<ProcessInfo> list() const {  // the same, as a copy
        std::vector<ProcessInfo> out;
        forEachProcess([&out](const ProcessInfo& info) { out.push_back(info); });
        return out;
    }
    virtual ProcessInfo get(const std::string& name) const = 0;  // throws ControlError(NoSuchProcess)
    // The definition the instance runs with: its service as loaded, defaults applied, with the file:line
    // it came from (for `supctl show` and `supctl cat`). Throws ControlError(NoSuchProcess).
    virtual ServiceSpec definition(const std::string& name) const = 0;
    // Shell globs over instance names and group names ("web@*", "web", "all" = every instance).
    // Returns matching instance names; throws ControlError(NoSuchProcess) naming a pattern that matched
    // nothing.
    virtual std::vector<std::string> match(const std::vector<std::string>& patterns) const = 0;

    // Each acts on one instance name and returns at once; the outcome arrives as state changes.
    virtual void start(const std::string& name) = 0;            // AlreadyRunning when STARTING/RUNNING
    virtual void stop(const std::string& name) = 0;             // no-op when already inactive
    virtual void restart(const std::string& name) = 0;          // stop (if active) then start
    virtual void signal(const std::string& name, int sig) = 0;  // NotRunning when there is no process

    virtual ReloadResult reload() = 0;  // validate everything, then apply the difference
    virtual void shutdown() = 0;        // stop everything and exit the daemon

    // The last `lines` lines (0 = all) kept in memory for that instance and stream.
    virtual std::string tail(const std::string& name, OutputStream stream, unsigned lines) const = 0;

    // Findings about the live process of that instance (NotRunning when there is none).
    virtual std::vector<DoctorFinding> doctor(const std::string& name) const = 0;

    virtual DaemonState daemonState() const = 0;
    virtual LimitsReport limits() const = 0;  // a fresh reading, marked against settings().limitWarnPercent
    virtual const DaemonSettings& settings() const = 0;
    virtual std::string version() const = 0;

    virtual void addObserver(ControlObserver* o) = 0;
    virtual void removeObserver(ControlObserver* o) = 0;
};

}  // namespace sup
