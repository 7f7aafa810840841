#include "os/Spawner.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#if __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>  // ASAN_UNPOISON_MEMORY_REGION: a no-op unless built with ASan
#endif

#include "os/FdUtil.h"
#include "os/Pidfd.h"
#include "os/SpawnChild.h"

namespace sup::os {

namespace {

// PATH when the service's environment has none: systemd's default search path.
constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string_view pathFromEnv(const std::vector<std::string>& env) {
    for (const std::string& entry : env)
        if (entry.rfind("PATH=", 0) == 0) return std::string_view(entry).substr(5);
    return kDefaultPath;
}

// execvpe searches the PATH of the daemon's environment; a service must be found through its own.
std::vector<std::string> execCandidates(const std::string& program, std::string_view path) {
    if (program.find('/') != std::string::npos) return {program};
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = path.find(':', start);
        std::string_view dir =
            path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        // An empty element means the current directory, as in POSIX shells.
        out.push_back(dir.empty() ? program : std::string(dir) + "/" + program);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return out;
}

detail::ChildPlan makePlan(const SpawnRequest& request, const std::optional<rlimit>& nofile) {
    detail::ChildPlan plan;
    plan.argvStore = request.argv;
    plan.envStore = request.env;
    if (request.watchdogPid) {
        std::erase_if(plan.envStore, [](const std::string& e) { return e.rfind("WATCHDOG_PID=", 0) == 0; });
        // Room for any pid_t in decimal and its NUL; the NULs also end the entry until the child writes.
        plan.envStore.push_back("WATCHDOG_PID=" + std::string(16, '\0'));
        plan.watchdogPidDigits = plan.envStore.back().data() + std::string_view("WATCHDOG_PID=").size();
    }
    for (std::string& a : plan.argvStore) plan.argv.push_back(a.data());
    plan.argv.push_back(nullptr);
    for (std::string& e : plan.envStore) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
    plan.programName = request.argv.front();
    plan.candidates = execCandidates(plan.programName, pathFromEnv(request.env));
    plan.directory = request.directory;
    // Only switch identities that differ from ours, so a non-root daemon can run services as itself.
    if (request.uid && *request.uid != ::geteuid()) plan.uid = request.uid;
    if (request.gid && *request.gid != ::getegid()) plan.gid = request.gid;
    plan.setGroups = plan.uid.has_value() || plan.gid.has_value();
    plan.groups = request.groups;
    if (request.uid) plan.uidText = "uid " + std::to_string(*request.uid);
    if (request.gid) plan.gidText = "gid " + std::to_string(*request.gid);
    plan.umask = request.umask;
    plan.nofile = nofile;
    plan.stdoutFd = request.stdoutFd;
    plan.stderrFd = request.stderrFd;
    return plan;
}

struct ChildStart {
    const detail::ChildPlan* plan;
    int statusFd;
};

int childMain(void* start) {
    const auto* s = static_cast<const ChildStart*>(start);
    detail::runChild(*s->plan, s->statusFd);
}

// The child's stack while it runs before exec. It lives in the parent's frame, which is suspended until
// the child has exec'd or exited (CLONE_VFORK), so it stays within the thread's stack: the sanitizers
// know that range. Sized for an ASan build of runChild; a plain build uses a few KiB.
constexpr std::size_t kChildStackBytes = 128 * 1024;

// nullopt = exec succeeded (EOF without a report). Otherwise the child's failure. Throws
// std::system_error if the pipe read fails.
std::optional<SpawnError> readExecStatus(int fd) {
    detail::ChildReport report;
    char* p = reinterpret_cast<char*>(&report);
    size_t got = 0;
    for (;;) {
        ssize_t n = ::read(fd, p + got, sizeof report - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "read(exec status pipe)");
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got == sizeof report) break;
    }
    if (got == 0) return std::nullopt;
    constexpr size_t kHeader = offsetof(detail::ChildReport, detail);
    if (got < kHeader) return SpawnError{"exec", EPROTO, "short status report"};
    size_t detailLength = std::min<size_t>({report.detailLength, got - kHeader, sizeof report.detail});
    return SpawnError{detail::stageName(static_cast<detail::ChildStage>(report.stage)), report.err,
                      std::string(report.detail, detailLength)};
}

}  // namespace

std::string SpawnError::describe() const {
    std::string out = stage;
    if (!detail.empty()) out += " " + detail;
    out += ": ";
    out += std::generic_category().message(err);
    return out;
}

bool SpawnError::transient() const {
    // Short of memory is as passing at exec (kernel memory for the new image) or setuid (new credentials)
    // as it is at fork.
    if (stage == "fork" || stage == "exec" || stage == "setuid") return err == EAGAIN || err == ENOMEM;
    // Out of file descriptors for the status or output pipes (or the notify socket): as passing as a full
    // process table, and treated alike (retried through the ForkGate, never counted as a failed start).
    if (stage == "pipe" || stage == "socket") return err == EMFILE || err == ENFILE || err == ENOMEM;
    return false;
}

SpawnResult ForkExecLauncher::spawn(const SpawnRequest& request) {
    SpawnResult result;
    if (request.argv.empty() || request.argv.front().empty()) {
        result.error = SpawnError{"argv", EINVAL, "empty command"};
        return result;
    }
    detail::ChildPlan plan = makePlan(request, childNofile_);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        result.error = SpawnError{"pipe", errno, "status pipe"};
        return result;
    }
    UniqueFd statusRead(fds[0]), statusWrite(fds[1]);

    // The child only needs the status pipe and its stdout/stderr sources. When these all sit below the
    // long-lived fds (they are fresh, so they took low numbers), it shares the daemon's fd table and copies
    // just that low part; otherwise the kernel copies the whole table and the child closes it.
    const int highestNeeded = std::max({statusWrite.get(), request.stdoutFd, request.stderrFd});
    if (highestNeeded < kLongLivedFdFloor) plan.unshareFdsBelow = highestNeeded + 1;

    // clone(CLONE_VM | CLONE_VFORK), as posix_spawn does inside glibc: the parent's pages are shared with
    // the child until it execs, instead of write-protected for copy-on-write. With fork(), every page the
    // daemon wrote after a spawn cost a fault and a TLB shootdown; a crash loop of 100 services spent most
    // of the daemon's time there and stalled D-Bus replies by up to a second. posix_spawn itself cannot
    // setuid/setgroups/umask or share the fd table, hence runChild, which only makes raw,
    // async-signal-safe calls on data prepared above. The parent is suspended until the child has exec'd
    // or _exit'd, so the plan and the stack stay valid meanwhile.
    alignas(16) std::array<std::byte, kChildStackBytes> childStack;
    ChildStart start{&plan, statusWrite.get()};
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    if (plan.unshareFdsBelow > 0) flags |= CLONE_FILES;
    const pid_t pid = ::clone(childMain, childStack.data() + childStack.size(), flags, &start);
    const int cloneErrno = errno;
    // The child's instrumented frames marked parts of its stack as redzones, and it never returned to
    // clear them: left so, this frame's later occupants would be reported as overflows. (ASan does this
    // by itself for vfork(), not for clone().)
#ifdef ASAN_UNPOISON_MEMORY_REGION
    ASAN_UNPOISON_MEMORY_REGION(childStack.data(), childStack.size());
#endif
    if (pid < 0) {
        result.error = SpawnError{"fork", cloneErrno, plan.programName};
        return result;
    }

    // Only the child may hold the write end, so EOF means "the child exec'd or died". It has done one or
    // the other by now (CLONE_VFORK), and its execve closes its close-on-exec copy right after it lets
    // us resume: the read ends at once, and the pipe is gone before this returns.
    statusWrite.reset();
    result.pid = pid;
    try {
        result.execError = readExecStatus(statusRead.get());
    } catch (const std::system_error& e) {
        result.execError = SpawnError{"exec", e.code().value(), "status pipe"};
    }
    // The child cannot have been reaped yet (we are the only reaper), so this pidfd names it. Failure
    // (no pidfd support, out of fds) is not fatal: the caller falls back to the PID.
    try {
        if (auto pidfd = Pidfd::open(pid)) {
            result.pidfd = std::move(*pidfd).release();
            parkLongLived(result.pidfd);
        }
    } catch (const std::system_error&) {
    }
    return result;
}

}  // namespace sup::os
