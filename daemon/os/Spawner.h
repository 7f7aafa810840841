// Starting a child process: clone as vfork does (shared memory, parent suspended until exec), set up the
// child's world, exec. Exec failures travel back on a close-on-exec "status pipe", so the parent learns "exec
// /bin/nope: ENOENT" instead of guessing from exit code 127. Launcher is the seam tests replace (e.g. to make
// fork fail with EAGAIN).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "os/UniqueFd.h"

namespace sup::os {

struct SpawnRequest {
    std::vector<std::string> argv;  // argv[0] without '/' is searched in PATH from `env`
    std::vector<std::string> env;   // "K=V"; exactly the child's environment
    std::string directory;          // empty = stay in the daemon's working directory
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::vector<gid_t> groups;  // supplementary groups, applied when uid or gid changes
    std::optional<mode_t> umask;
    int stdoutFd = -1;  // parent fds to dup2 onto 1 and 2; -1 = /dev/null
    int stderrFd = -1;
    // Add WATCHDOG_PID=<the child's own pid> to `env`, as systemd does beside WATCHDOG_USEC, so the
    // processes the service starts (which inherit the environment) know the watchdog is not theirs
    // (sd_watchdog_enabled(3) checks it). Known only in the child, so completed there.
    bool watchdogPid = false;
};

struct SpawnError {
    // "argv", "pipe", "socket" (NOTIFY_SOCKET), "fork" (in the parent, no child exists); "stdio", "setsid",
    // "signals", "close_fds", "setgroups", "setgid", "setuid", "umask", "chdir", "exec" (in the child).
    std::string stage;
    int err = 0;
    std::string detail;  // what the stage acted on: the program, the directory, "uid 1000", ...

    // "exec /bin/nope: No such file or directory"
    std::string describe() const;
    // Worth retrying later rather than giving up: the system is short of processes or memory.
    // RLIMIT_NPROC is also enforced at execve() (Linux >= 3.1) when a root parent has setuid() to a
    // user that is over its limit, hence EAGAIN at "exec"/"setuid".
    bool transient() const;
};

struct SpawnResult {
    pid_t pid = -1;
    // Empty when the kernel lacks pidfds or the daemon is out of fds; callers then fall back to the PID.
    UniqueFd pidfd;
    // Set when the child exists but failed before exec ("exec /bin/nope: ENOENT"); it has then
    // _exit(127)ed and must be reaped as usual. Final when spawn() returns: the parent of a CLONE_VFORK
    // child resumes only once the child has exec'd or died.
    std::optional<SpawnError> execError;
    std::optional<SpawnError> error;  // set when no child exists
};

class Launcher {
  public:
    virtual ~Launcher() = default;
    virtual SpawnResult spawn(const SpawnRequest& request) = 0;
};

class ForkExecLauncher final : public Launcher {
  public:
    // childNofile: the RLIMIT_NOFILE every child gets (the daemon's own before raiseNofileLimit());
    // nullopt = children inherit the daemon's.
    explicit ForkExecLauncher(std::optional<rlimit> childNofile = std::nullopt) : childNofile_(childNofile) {}
    // Never throws for failures of the child; argv/pipe/fork failures come back in `error`.
    SpawnResult spawn(const SpawnRequest& request) override;

  private:
    std::optional<rlimit> childNofile_;
};

}  // namespace sup::os
