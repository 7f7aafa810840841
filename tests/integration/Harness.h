// Integration-test harness: a private dbus-daemon that admits every uid, the real supervisord
// started on it with a temporary config directory, and supctl run as a real child process.
// Nothing here sleeps and hopes: waits poll a condition until a generous deadline.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sup::test {

using namespace std::chrono_literals;

// A directory under /tmp removed (recursively) on destruction. World-readable, so `nobody` can use it.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "suptest");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  private:
    std::string path_;
};

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);  // "" when missing

// Polls `cond` every 10 ms until it is true or `timeout` passes; returns the final value.
bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 20s);

struct CommandResult {
    int exitCode = -1;  // 128+N when killed by signal N
    std::string out, err;
};

// Runs argv with the given extra environment; optionally as another uid/gid (via setresgid/setresuid).
CommandResult runCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         std::optional<uid_t> asUid = std::nullopt, std::chrono::milliseconds timeout = 60s);

// A private dbus-daemon with a config that lets any uid connect and own names (tests only).
class TestBus {
  public:
    TestBus();
    // restartable: the address names only the socket (no guid=), so a client that reconnects accepts the
    // next dbus-daemon started there by restart() (sd-bus refuses a server whose guid differs).
    explicit TestBus(bool restartable);
    ~TestBus();
    const std::string& address() const { return address_; }

    // Stops the dbus-daemon (as `systemctl stop dbus` would: SIGTERM, or `sig`) and waits for it.
    void kill(int sig = SIGTERM);
    // Starts a new dbus-daemon listening on the same socket path (after kill()).
    void restart();

  private:
    std::string start();  // runs dbus-daemon; returns the address it printed

    TempDir dir_;
    pid_t pid_ = -1;
    std::string address_;
    bool restartable_ = false;
};

struct DaemonOptions {
    std::vector<std::string> args;             // appended after the harness's own (later ones win)
    std::map<std::string, std::string> env;    // added to the environment
    std::string cgroupProcs;                   // a cgroup.procs file the daemon joins before exec
    std::optional<unsigned long> rlimitNproc;  // RLIMIT_NPROC set on the daemon (inherited by children)
    // Leave the log level to the configuration (supervisor.log_level) instead of passing the harness's
    // `--log-level debug`.
    bool logLevelFromConfig = false;
};

// One supervisord process on a TestBus (as the system bus, via DBUS_SYSTEM_BUS_ADDRESS).
class Daemon {
  public:
    Daemon(const TestBus& bus, std::string confDir, const DaemonOptions& options);
    // confDir: directory of *.yaml. The daemon's stderr goes to a log file readable with log().
    Daemon(const TestBus& bus, std::string confDir, std::vector<std::string> extraArgs = {},
           std::map<std::string, std::string> extraEnv = {});
    ~Daemon();  // SIGKILL if still running

    // Waits until the daemon answers on the bus (supctl status exits with 0 or 3).
    bool waitReady(std::chrono::milliseconds timeout = 20s);
    // SIGTERM and wait for the exit; returns the exit code (or 128+signal), -1 on timeout.
    int terminate(std::chrono::milliseconds timeout = 30s);
    int waitExit(std::chrono::milliseconds timeout = 30s);
    bool running();
    pid_t pid() const { return pid_; }
    std::string log() const { return readFile(logPath_); }
    const std::string& logPath() const { return logPath_; }
    const std::string& stateDir() const { return stateDir_; }

    // supctl against this daemon's bus.
    CommandResult ctl(const std::vector<std::string>& args, std::optional<uid_t> asUid = std::nullopt) const;
    // `supctl status --json`, parsed; an empty array when the call fails.
    nlohmann::json status() const;
    // The status object of one instance (null when absent).
    nlohmann::json process(const std::string& name) const;
    std::string stateOf(const std::string& name) const;  // "" when absent
    pid_t pidOf(const std::string& name) const;
    bool waitState(const std::string& name, const std::string& state,
                   std::chrono::milliseconds timeout = 20s) const;

  private:
    const TestBus& bus_;
    std::string confDir_;
    TempDir runDir_;
    std::string stateDir_, logPath_;
    pid_t pid_ = -1;
    int exitStatus_ = -1;
};

// Children of `parent` (from /proc), and whether a pid is a zombie.
std::vector<pid_t> childrenOf(pid_t parent);
bool isZombie(pid_t pid);
bool processExists(pid_t pid);

// /proc/PID/cmdline with the NULs between arguments turned into spaces ("" when gone or a zombie).
std::string cmdlineOf(pid_t pid);
// The parent pid from /proc/PID/stat (0 when gone).
pid_t parentOf(pid_t pid);
// Live processes (not zombies) whose cmdlineOf() equals `cmdline`.
std::vector<pid_t> processesWithCmdline(const std::string& cmdline);
// Live processes whose environment (/proc/PID/environ) holds exactly the entry `entry` ("NAME=VALUE").
std::vector<pid_t> processesWithEnvironment(const std::string& entry);
// SIGKILLs every pid in the list (ignoring the ones already gone); for tests cleaning up after a failure.
void killAll(const std::vector<pid_t>& pids);
// The first line of a daemon log that reports a sanitizer finding (ASan, LSan, UBSan) or a critical
// error; "" when there is none.
std::string firstTroubleLine(const std::string& log);

}  // namespace sup::test
