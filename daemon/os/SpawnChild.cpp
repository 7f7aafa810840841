// The child's half of ForkExecLauncher. Between clone() and execve() only async-signal-safe calls are
// allowed (the child shares the parent's memory, whose malloc state may be mid-update), so nothing here
// allocates or writes outside its own stack: every string and array was built by the parent in a
// ChildPlan.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "os/SpawnChild.h"

namespace sup::os::detail {

const char* stageName(ChildStage stage) {
    switch (stage) {
        case ChildStage::Stdio:
            return "stdio";
        case ChildStage::Setsid:
            return "setsid";
        case ChildStage::Signals:
            return "signals";
        case ChildStage::CloseFds:
            return "close_fds";
        case ChildStage::Setgroups:
            return "setgroups";
        case ChildStage::Setgid:
            return "setgid";
        case ChildStage::Setuid:
            return "setuid";
        case ChildStage::Umask:
            return "umask";
        case ChildStage::Chdir:
            return "chdir";
        case ChildStage::Exec:
            return "exec";
    }
    return "unknown";
}

namespace {

// The status pipe's write end is moved here so that one close_range(kStatusFd + 1, ...) closes the rest.
constexpr int kStatusFd = 3;

[[noreturn]] void fail(int statusFd, ChildStage stage, int err, const char* detail) noexcept {
    ChildReport report;
    report.stage = static_cast<std::int32_t>(stage);
    report.err = err;
    size_t length = detail ? std::strlen(detail) : 0;
    if (length > sizeof report.detail) length = sizeof report.detail;
    if (length) std::memcpy(report.detail, detail, length);
    report.detailLength = static_cast<std::uint32_t>(length);
    const char* p = reinterpret_cast<const char*>(&report);
    size_t left = offsetof(ChildReport, detail) + length;
    while (left > 0) {
        ssize_t n = ::write(statusFd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;  // the parent is gone or the pipe is broken: nobody to tell
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    ::_exit(127);
}

int dup2Retry(int from, int to) noexcept {
    int r;
    do r = ::dup2(from, to);
    while (r < 0 && (errno == EINTR || errno == EBUSY));
    return r;
}

// Returns fd, or a close-on-exec copy of it above kStatusFd if it sits where stdio or the status pipe
// will go. -1 with errno on failure.
int moveAboveStatusFd(int fd) noexcept {
    if (fd > kStatusFd) return fd;
    return ::fcntl(fd, F_DUPFD_CLOEXEC, kStatusFd + 1);
}

int makeInheritableBlocking(int fd) noexcept {
    if (::fcntl(fd, F_SETFD, 0) < 0) return -1;
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    // O_NONBLOCK lives on the open file description, so this also clears it for the parent's copy of a
    // pipe's write end. That is wanted: the parent only holds write ends to hand them to children.
    if ((flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return -1;
    return 0;
}

// Fallback for kernels without close_range (< 5.9): walk /proc/self/fd with raw getdents64 (opendir
// would allocate), and if /proc is not mounted, close every number below RLIMIT_NOFILE.
int closeFdsFrom(int first) noexcept {
    if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) return -1;
    int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        bool closedAny = true;
        while (closedAny) {  // closing while listing can skip entries, so list again until clean
            closedAny = false;
            if (::lseek(dir, 0, SEEK_SET) < 0) break;
            alignas(8) char buffer[4096];
            long n;
            while ((n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
                for (long off = 0; off < n;) {
                    auto* entry = reinterpret_cast<struct dirent64*>(buffer + off);
                    off += entry->d_reclen;
                    int fd = 0;
                    const char* c = entry->d_name;
                    if (*c < '0' || *c > '9') continue;
                    for (; *c >= '0' && *c <= '9'; ++c) fd = fd * 10 + (*c - '0');
                    if (fd >= first && fd != dir) {
                        ::close(fd);
                        closedAny = true;
                    }
                }
            }
        }
        ::close(dir);
        return 0;
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) < 0) return -1;
    for (rlim_t fd = static_cast<rlim_t>(first); fd < limit.rlim_cur; ++fd) ::close(static_cast<int>(fd));
    return 0;
}

// The kernel's struct for rt_sigaction on x86-64 and most 64-bit ABIs (glibc's struct sigaction is
// laid out differently and converted by the wrapper).
struct KernelSigaction {
    void (*handler)(int) = SIG_DFL;
    unsigned long flags = 0;
    void (*restorer)() = nullptr;
    std::uint64_t mask = 0;
};

// No snprintf in the child: it may allocate or take locks. `out` has room for any pid and the NUL.
void writeDecimal(char* out, long value) noexcept {
    char reversed[24];
    int n = 0;
    do {
        reversed[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < static_cast<int>(sizeof reversed));
    while (n > 0) *out++ = reversed[--n];
    *out = '\0';
}

bool retryableExecError(int err) {
    // As execvp: these mean "not here, try the next PATH entry".
    return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV || err == ETIMEDOUT;
}

}  // namespace

void runChild(const ChildPlan& plan, int statusFd) noexcept {
    // With CLONE_FILES the fd table is still the daemon's: every dup2 below would change the daemon's
    // own fds. First a private table holding only fds [0, unshareFdsBelow), which the parent made sure
    // hold everything needed here; the daemon's long-lived fds above are neither copied nor closed.
    // Kernels before 5.9 lack close_range: a full private copy, closed below as before.
    if (plan.unshareFdsBelow > 0 &&
        ::syscall(SYS_close_range, static_cast<unsigned>(plan.unshareFdsBelow), ~0U, CLOSE_RANGE_UNSHARE) <
            0 &&
        ::syscall(SYS_unshare, CLONE_FILES) < 0)
        fail(statusFd, ChildStage::CloseFds, errno, "unshare fd table");
    // Fds 0..3 are about to be overwritten (stdio, then the status pipe on 3), so the sources we still
    // need are first moved above them. Until the status pipe is parked, failures go to its old number.
    int out = plan.stdoutFd, err = plan.stderrFd;
    if (out >= 0 && (out = moveAboveStatusFd(out)) < 0) fail(statusFd, ChildStage::Stdio, errno, "stdout fd");
    if (err >= 0 && (err = moveAboveStatusFd(err)) < 0) fail(statusFd, ChildStage::Stdio, errno, "stderr fd");
    if (statusFd != kStatusFd) {
        if (::dup3(statusFd, kStatusFd, O_CLOEXEC) < 0) fail(statusFd, ChildStage::Stdio, errno, "status fd");
        statusFd = kStatusFd;
    }

    int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devNull < 0 || (devNull = moveAboveStatusFd(devNull)) < 0)
        fail(statusFd, ChildStage::Stdio, errno, "/dev/null");
    if (out < 0) out = devNull;
    if (err < 0) err = devNull;
    if (dup2Retry(devNull, 0) < 0) fail(statusFd, ChildStage::Stdio, errno, "dup2 stdin");
    if (dup2Retry(out, 1) < 0) fail(statusFd, ChildStage::Stdio, errno, "dup2 stdout");
    if (dup2Retry(err, 2) < 0) fail(statusFd, ChildStage::Stdio, errno, "dup2 stderr");
    for (int fd = 0; fd <= 2; ++fd)
        if (makeInheritableBlocking(fd) < 0) fail(statusFd, ChildStage::Stdio, errno, "fcntl stdio");

    if (closeFdsFrom(kStatusFd + 1) < 0) fail(statusFd, ChildStage::CloseFds, errno, nullptr);
    // After the close above, which may walk up to the (raised) soft limit. Lowering a soft limit
    // cannot fail.
    if (plan.nofile) (void)::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &*plan.nofile, nullptr);

    // A session (and process group) of its own: pid == pgid, so the whole group can be signalled, and
    // no controlling terminal is inherited.
    if (::setsid() < 0) fail(statusFd, ChildStage::Setsid, errno, nullptr);

    // The daemon blocks the signals it reads through signalfd and may ignore others (SIGPIPE);
    // both would leak into the service (exec resets caught signals, but not ignored ones or the mask).
    // Raw system calls, because a sanitizer's sigaction interceptor keeps bookkeeping in memory this
    // vfork child shares with the daemon.
    const KernelSigaction defaultAction{};  // SIG_DFL, no flags, empty mask
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)::syscall(SYS_rt_sigaction, sig, &defaultAction, nullptr, sizeof defaultAction.mask);
    }
    const std::uint64_t noSignals = 0;
    if (::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &noSignals, nullptr, sizeof noSignals) < 0)
        fail(statusFd, ChildStage::Signals, errno, nullptr);

    // Raw system calls: glibc's wrappers broadcast credential changes to every thread of the process
    // (setxid), and a vfork child shares the parent's thread list. The kernel changes only this task.
    if (plan.setGroups && ::syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) < 0)
        fail(statusFd, ChildStage::Setgroups, errno, plan.uidText.c_str());
    if (plan.gid && ::syscall(SYS_setgid, *plan.gid) < 0)
        fail(statusFd, ChildStage::Setgid, errno, plan.gidText.c_str());
    if (plan.uid && ::syscall(SYS_setuid, *plan.uid) < 0)
        fail(statusFd, ChildStage::Setuid, errno, plan.uidText.c_str());
    if (plan.umask) ::umask(*plan.umask);  // cannot fail
    if (!plan.directory.empty() && ::chdir(plan.directory.c_str()) < 0)
        fail(statusFd, ChildStage::Chdir, errno, plan.directory.c_str());

    if (plan.watchdogPidDigits)
        writeDecimal(plan.watchdogPidDigits, static_cast<long>(::syscall(SYS_getpid)));

    const char* deniedPath = nullptr;
    for (const std::string& candidate : plan.candidates) {
        ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
        int e = errno;
        if (e == EACCES) {
            if (!deniedPath) deniedPath = candidate.c_str();
            continue;
        }
        if (retryableExecError(e)) continue;
        fail(statusFd, ChildStage::Exec, e, candidate.c_str());
    }
    if (deniedPath) fail(statusFd, ChildStage::Exec, EACCES, deniedPath);
    fail(statusFd, ChildStage::Exec, ENOENT, plan.programName.c_str());
}

}  // namespace sup::os::detail
