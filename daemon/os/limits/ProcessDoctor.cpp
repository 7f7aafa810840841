#include "os/limits/ProcessDoctor.h"

#include <fcntl.h>

#include <cstdio>
#include <set>

#include "os/limits/LimitsConf.h"
#include "os/limits/Percent.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/RlimitDimensions.h"
#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

const char* stdioName(int fd) {
    return fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr";
}

std::string percentText(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", p);
    return buf;
}

// Pipes and sockets carry their inode in the link text, so equal text means the same object.
// Other kinds ("anon_inode:[eventpoll]", paths) do not identify one open file.
bool identifiesObject(const std::string& target) {
    return target.rfind("pipe:[", 0) == 0 || target.rfind("socket:[", 0) == 0;
}

void checkState(const ProcessEntry& p, std::vector<Finding>& out) {
    const std::string pid = std::to_string(p.pid);
    switch (p.state) {
        case 'D':
            out.push_back(
                {"warning", "process " + pid + " is in uninterruptible sleep (state D)",
                 "it waits inside the kernel, usually on I/O (a hung NFS mount, a failing disk); see "
                 "/proc/" +
                     pid + "/wchan and /proc/" + pid + "/stack; signals cannot reach it until it returns"});
            break;
        case 'Z':
            out.push_back(
                {"error", "process " + pid + " has exited but is not reaped yet (state Z)",
                 "supervisord reaps its children as soon as it sees SIGCHLD; if this persists, the daemon's "
                 "event loop is stuck: check its log"});
            break;
        case 'T':
        case 't':
            out.push_back({"warning",
                           "process " + pid + " is stopped (state " + std::string(1, p.state) + ")",
                           "it got SIGSTOP/SIGTSTP or a debugger holds it; send it SIGCONT (kill -CONT " +
                               pid + ") or detach the tracer"});
            break;
        default:
            break;
    }
}

void checkStdioBlocking(const FsRoot& fs, pid_t pid, std::vector<Finding>& out) {
    const std::string proc = "proc/" + std::to_string(pid);
    for (int fd = 0; fd <= 2; ++fd) {
        auto info = fs.read(proc + "/fdinfo/" + std::to_string(fd));
        if (!info) continue;  // closed, or not ours to read
        auto flags = parseFdinfoFlags(*info);
        if (!flags || !(*flags & O_NONBLOCK)) continue;
        auto target = fs.readLink(proc + "/fd/" + std::to_string(fd));
        out.push_back(
            {"warning",
             std::string(stdioName(fd)) + " (fd " + std::to_string(fd) + ") is in non-blocking mode" +
                 (target ? " (" + *target + ")" : std::string()),
             "O_NONBLOCK belongs to the open file, so everything sharing it sees it: a write to a full "
             "pipe then fails with EAGAIN (\"Resource temporarily unavailable\") instead of waiting, and "
             "output is lost. Find what set it (often a child such as node or ssh sharing the "
             "descriptor) and clear it with fcntl(fd, F_SETFL, flags & ~O_NONBLOCK), or give that child "
             "its own descriptor"});
    }
}

void checkInheritedFds(const FsRoot& fs, pid_t pid, pid_t daemon, std::vector<Finding>& out) {
    const std::string proc = "proc/" + std::to_string(pid);
    std::set<std::string> daemonHolds;
    const std::string daemonFd = "proc/" + std::to_string(daemon) + "/fd/";
    for (long fd : fs.listNumeric(daemonFd))
        if (auto t = fs.readLink(daemonFd + std::to_string(fd)); t && identifiesObject(*t))
            daemonHolds.insert(*t);
    // Its own stdio is shared with the daemon on purpose (the output pipes), and so are copies of it.
    std::set<std::string> stdio;
    for (int fd = 0; fd <= 2; ++fd)
        if (auto t = fs.readLink(proc + "/fd/" + std::to_string(fd))) stdio.insert(*t);
    for (long fd : fs.listNumeric(proc + "/fd")) {
        if (fd <= 2) continue;
        auto t = fs.readLink(proc + "/fd/" + std::to_string(fd));
        if (!t || !identifiesObject(*t) || stdio.count(*t) || !daemonHolds.count(*t)) continue;
        out.push_back(
            {"warning",
             "fd " + std::to_string(fd) + " (" + *t +
                 ") is also open in supervisord: inherited, not opened by "
                 "the process",
             "supervisord starts services with only 0, 1 and 2 open; a descriptor without O_CLOEXEC leaked "
             "into this one. It keeps the other end of that pipe or socket alive (EOF never comes); "
             "restart the service and report the leak"});
    }
}

void checkZombieChildren(pid_t pid, const ProcessTable& table, std::vector<Finding>& out) {
    ConsumerTally tally;
    std::uint64_t zombies = 0;
    for (const auto& p : table.processes) {
        if (p.ppid != pid || p.state != 'Z') continue;
        ++zombies;
        tally.add(p.comm, 1);
    }
    if (zombies == 0) return;
    out.push_back(
        {"warning",
         std::to_string(zombies) + " zombie child" + (zombies == 1 ? "" : "ren") + " not reaped (" +
             formatTop(tally.top()) + ")",
         "the program does not wait() for children that exited; each zombie keeps its pid and counts "
         "against RLIMIT_NPROC and pids.max until it is reaped. Fix its SIGCHLD handling (or set "
         "SIGCHLD to SIG_IGN if it never needs exit codes); restarting the service clears them"});
}

void checkNproc(const FsRoot& fs, const ProcessEntry& p, const ProcessTable& table, const ProcessRlimits& rl,
                unsigned nearPercent, std::vector<Finding>& out) {
    if (p.realUid == 0 || !rl.nproc || rl.nproc->soft == kUnlimited || rl.nproc->soft == 0) return;
    std::uint64_t used = 0;
    ConsumerTally tally;
    for (const auto& q : table.processes) {
        if (q.realUid != p.realUid) continue;
        used += q.threads;
        tally.add(q.comm, q.threads);
    }
    const double percent = percentOf(used, rl.nproc->soft);
    if (percent < nearPercent) return;
    auto user = lookupUser(fs, p.realUid);
    std::string who = "uid " + std::to_string(p.realUid) + (user ? " (" + user->name + ")" : std::string());
    out.push_back(
        {percent >= 100 ? "error" : "warning",
         who + " has " + std::to_string(used) + " processes and threads, " + percentText(percent) +
             " of this process's RLIMIT_NPROC " + std::to_string(rl.nproc->soft) + " (it has " +
             std::to_string(p.threads) + " thread" + (p.threads == 1 ? "" : "s") +
             " itself); top: " + formatTop(tally.top()),
         "RLIMIT_NPROC counts every process and thread of the user, wherever they run; at the limit its "
         "fork(), pthread_create() and exec() fail with EAGAIN. Stop the user's stray processes or raise "
         "supervisord's limit (LimitNPROC= in its unit; services inherit it), or prefer a pids cgroup "
         "limit (TasksMax=)"});
}

void checkNofile(const FsRoot& fs, pid_t pid, const ProcessRlimits& rl, unsigned nearPercent,
                 std::vector<Finding>& out) {
    if (!rl.nofile || rl.nofile->soft == kUnlimited || rl.nofile->soft == 0) return;
    auto open = countOpenFds(fs, pid);
    if (!open) return;
    const double percent = percentOf(*open, rl.nofile->soft);
    if (percent < nearPercent) return;
    out.push_back({percent >= 100 ? "error" : "warning",
                   std::to_string(*open) + " descriptors open, " + percentText(percent) +
                       " of its RLIMIT_NOFILE " + std::to_string(rl.nofile->soft),
                   "at the limit open(), socket() and accept() fail with EMFILE. Look for a descriptor leak "
                   "(ls -l /proc/" +
                       std::to_string(pid) +
                       "/fd) or raise supervisord's limit (LimitNOFILE= in "
                       "its unit; services inherit it)"});
}

}  // namespace

std::optional<unsigned> parseFdinfoFlags(std::string_view fdinfo) {
    while (!fdinfo.empty()) {
        auto nl = fdinfo.find('\n');
        std::string_view line = fdinfo.substr(0, nl);
        fdinfo = nl == std::string_view::npos ? std::string_view() : fdinfo.substr(nl + 1);
        if (line.substr(0, 6) != "flags:") continue;
        auto v = trim(line.substr(6));
        if (v.empty()) return std::nullopt;
        unsigned flags = 0;
        for (char c : v) {
            if (c < '0' || c > '7') return std::nullopt;
            flags = flags * 8 + static_cast<unsigned>(c - '0');
        }
        return flags;
    }
    return std::nullopt;
}

std::vector<Finding> examineProcess(const FsRoot& fs, pid_t pid, const ProcessTable& table,
                                    std::optional<pid_t> daemon, unsigned nearPercent) {
    std::vector<Finding> out;
    const ProcessEntry* p = table.find(pid);
    if (!p) {
        out.push_back({"error", "process " + std::to_string(pid) + " is not in " + fs.path("proc"),
                       "it exited a moment ago; run the check again"});
        return out;
    }
    checkState(*p, out);
    checkStdioBlocking(fs, pid, out);
    if (daemon && *daemon != pid) checkInheritedFds(fs, pid, *daemon, out);
    checkZombieChildren(pid, table, out);
    const auto rl = readProcessRlimits(fs, pid);
    checkNproc(fs, *p, table, rl, nearPercent, out);
    checkNofile(fs, pid, rl, nearPercent, out);
    return out;
}

}  // namespace sup::os::limits
