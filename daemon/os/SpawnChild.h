// Internal to the spawner: everything the child needs, prepared before clone so that the child only
// makes async-signal-safe calls (no allocation, no writes to shared memory) between clone and exec.
// The one exception is watchdogPidDigits: room in this plan's own environment store, which the daemon
// never reads, for the child's pid.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sup::os::detail {

enum class ChildStage : std::int32_t {
    Stdio = 1,
    Setsid,
    Signals,
    CloseFds,
    Setgroups,
    Setgid,
    Setuid,
    Umask,
    Chdir,
    Exec
};

const char* stageName(ChildStage stage);

// The record the child writes to the status pipe on failure, in one write() below PIPE_BUF so it
// arrives whole.
struct ChildReport {
    std::int32_t stage = 0;
    std::int32_t err = 0;
    std::uint32_t detailLength = 0;
    char detail[1024] = {};
};

struct ChildPlan {
    std::vector<std::string> argvStore, envStore;
    std::vector<char*> argv, envp;  // null-terminated views of the stores
    // Where the child writes its pid (decimal, NUL-terminated) in envStore's "WATCHDOG_PID=" entry;
    // null when there is none.
    char* watchdogPidDigits = nullptr;
    std::vector<std::string> candidates;  // exec paths to try in order (PATH search done up front)
    std::string programName;              // argv[0] as written, for "not found" reports
    std::string directory;
    std::string uidText, gidText;  // "uid 1000", for reports
    std::optional<uid_t> uid;      // only set when it differs from ours
    std::optional<gid_t> gid;      // only set when it differs from ours
    bool setGroups = false;
    std::vector<gid_t> groups;
    std::optional<mode_t> umask;
    std::optional<rlimit> nofile;  // RLIMIT_NOFILE to set (the daemon raised its own)
    int stdoutFd = -1, stderrFd = -1;
    // > 0: the child was cloned with CLONE_FILES (it shares the daemon's fd table) and must first take a
    // private copy of fds [0, unshareFdsBelow), which holds every fd it needs, and nothing above.
    int unshareFdsBelow = 0;
};

// Runs in the child after clone(CLONE_VM | CLONE_VFORK [| CLONE_FILES]). Never returns: execs or reports to
// statusFd and _exit(127)s.
[[noreturn]] void runChild(const ChildPlan& plan, int statusFd) noexcept;

}  // namespace sup::os::detail
