#include "os/RealProcessHost.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "os/OutputPipe.h"
#include "os/Pidfd.h"

namespace sup::os {

namespace {
// A small /proc file, or nullopt. Not std::ifstream: libstdc++ throws from underflow() when read(2)
// fails, and reading /proc/<pid>/stat of a process that is exiting fails with ESRCH.
std::optional<std::string> readProcFile(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (1u << 20)) return out;  // no /proc file we read is this large
    }
}

constexpr std::size_t kReadChunk = 64 * 1024;  // per wake-up, so one chatty child cannot starve the others
// What closeOutput() still reads before it closes: a full pipe (256 KiB) twice over. A process left
// behind that keeps writing cannot hold the loop longer than that.
constexpr std::size_t kDrainLimit = 512 * 1024;

// Notify datagrams per wake-up (the rest wait for the next turn), and what closeOutput() still delivers:
// the queue holds about 10 (net.unix.max_dgram_qlen), but senders blocked on it refill it as it drains.
constexpr int kNotifyPerWakeup = 64;
constexpr int kNotifyDrainLimit = 256;

enum { kOut = 1, kErr = 2, kNotify = 3 };

// Where a spawn's NOTIFY_SOCKET lives: named after the daemon and the token, so `ss -xlp` tells whose it is.
std::string notifySocketName(ProcessHost::Token token) {
    return "supervisord/" + std::to_string(::getpid()) + "/notify/" + std::to_string(token);
}
}  // namespace

RealProcessHost::RealProcessHost(EventLoop& loop, Launcher& launcher) : loop_(loop), launcher_(launcher) {
    loop_.add(timer_.fd(), EPOLLIN, [this](std::uint32_t) {
        timer_.drain();
        armedTimer_.reset();
        if (events_) events_->onTimer();
    });
    // Deadlines change with almost every event: one timerfd_settime per loop turn, not per change.
    // The exec statuses come first, as their handling may move a deadline. Once some were delivered,
    // the loop turns again at once, so that what their handling queued (D-Bus signals, say) is
    // flushed by the hooks of that turn whatever their order.
    loop_.addPrepareHook([this] {
        const bool delivered = deliverPendingExecStatuses();
        if (wantedTimer_ != armedTimer_) {
            armedTimer_ = wantedTimer_;
            if (armedTimer_)
                timer_.armAt(*armedTimer_);
            else
                timer_.disarm();
        }
        return delivered ? 0 : -1;
    });
}

RealProcessHost::~RealProcessHost() {
    loop_.remove(timer_.fd());
    for (auto& [token, io] : io_)
        for (int which : {kOut, kErr, kNotify}) close(io, which);
}

void RealProcessHost::watch(Token token, UniqueFd& slot, UniqueFd fd, int which) {
    slot = std::move(fd);
    loop_.add(slot.get(), EPOLLIN, [this, token, which](std::uint32_t) { onReadable(token, which); });
}

ProcessHost::Spawned RealProcessHost::spawn(Token token, const SpawnRequest& request, OutputWiring output,
                                            bool notifySocket) {
    Spawned out;
    // A token names one spawn: never two sets of pipes, and the notify socket's name is free again.
    closeOutput(token);
    std::optional<OutputPipe> outPipe, errPipe;
    try {
        if (output.out == Wiring::Pipe) outPipe = OutputPipe::create();
        if (output.err == Wiring::Pipe) errPipe = OutputPipe::create();
    } catch (const std::system_error& e) {
        out.error = SpawnError{"pipe", e.code().value(), "output pipe"};
        return out;
    }
    SpawnRequest req = request;
    std::optional<NotifySocket> notify;
    if (notifySocket) {
        try {
            notify.emplace(notifySocketName(token));
        } catch (const std::system_error& e) {
            out.error = SpawnError{"socket", e.code().value(), "for NOTIFY_SOCKET"};
            return out;
        }
        // Ours replaces whatever the environment says (the daemon's own socket never gets this far).
        std::erase_if(req.env, [](const std::string& entry) {
            return entry.compare(0, entry.find('='), "NOTIFY_SOCKET") == 0;
        });
        req.env.push_back("NOTIFY_SOCKET=" + notify->address());
    }
    // -1 = /dev/null, opened by the child itself.
    req.stdoutFd = outPipe ? outPipe->writeEnd.get() : -1;
    req.stderrFd = errPipe ? errPipe->writeEnd.get() : output.err == Wiring::Merge ? req.stdoutFd : -1;
    SpawnResult res = launcher_.spawn(req);
    if (res.error) {
        out.error = res.error;
        return out;
    }
    out.pid = res.pid;
    if (res.pidfd) pidfds_[res.pid] = std::move(res.pidfd);
    tokens_[res.pid] = token;
    Io& io = io_[token];
    // The launcher knows the exec status when it returns (Spawner.h): no descriptor and no wake-up of
    // the loop for it. It is delivered at the end of the turn like any event, not from inside spawn().
    io.pendingExecStatus.emplace(std::move(res.execError));
    pendingExecStatus_.push_back(token);
    if (outPipe) watch(token, io.out, std::move(outPipe->readEnd), kOut);
    if (errPipe) watch(token, io.err, std::move(errPipe->readEnd), kErr);
    if (notify) {
        io.notify = std::move(notify);
        loop_.add(io.notify->fd(), EPOLLIN, [this, token](std::uint32_t) {
            int delivered = 0;
            while (delivered < kNotifyPerWakeup && deliverNotify(token)) ++delivered;
        });
    }
    // The write ends close when this returns: only the child holds them, so EOF means it is gone.
    return out;
}

void RealProcessHost::close(Io& io, int which) {
    if (which == kNotify) {
        if (!io.notify) return;
        loop_.remove(io.notify->fd());
        io.notify.reset();
        return;
    }
    UniqueFd& fd = which == kOut ? io.out : io.err;
    if (!fd) return;
    loop_.remove(fd.get());
    fd.reset();
}

bool RealProcessHost::readChunk(Token token, Io& io, int which) {
    UniqueFd& fd = which == kOut ? io.out : io.err;
    const Stream stream = which == kOut ? Stream::Out : Stream::Err;
    // On the stack, not in a member: delivering it may spawn, and a spawn may read another token's pipes.
    char buf[kReadChunk];
    ReadResult r;
    try {
        r = readSome(fd.get(), buf, sizeof buf);
    } catch (const std::system_error& e) {
        spdlog::error("reading a child's output: {}", e.what());
        r.eof = true;
    }
    if (r.bytes > 0 && events_) events_->onOutput(token, stream, std::string_view(buf, r.bytes));
    if (!r.eof) return !r.wouldBlock;
    close(io, which);
    if (events_) events_->onOutputClosed(token, stream);
    return false;
}

bool RealProcessHost::deliverNotify(Token token) {
    // Looked up afresh each time: handling a datagram may close this token's socket, or spawn.
    auto it = io_.find(token);
    if (it == io_.end() || !it->second.notify) return false;
    auto received = it->second.notify->receive();
    if (!received) return false;
    if (received->datagram && events_) events_->onNotify(token, *received->datagram);
    return true;
    // The fds it carried close here, after it and every datagram before it were handled: that is the
    // moment a BARRIER=1 sender (systemd-notify) waits for.
}

void RealProcessHost::onReadable(Token token, int which) {
    auto it = io_.find(token);
    if (it == io_.end()) return;
    (void)readChunk(token, it->second, which);
}

void RealProcessHost::deliverPendingExecStatus(Token token, Io& io) {
    if (!io.pendingExecStatus) return;
    const std::optional<SpawnError> error = std::move(*io.pendingExecStatus);
    io.pendingExecStatus.reset();
    if (events_) events_->onExecStatus(token, error);
}

bool RealProcessHost::deliverPendingExecStatuses() {
    bool delivered = false;
    while (!pendingExecStatus_.empty()) {
        // Taken whole: handling one may spawn, which queues more (for the next round of this loop).
        const std::vector<Token> tokens = std::exchange(pendingExecStatus_, {});
        for (Token token : tokens) {
            auto it = io_.find(token);  // looked up afresh: handling the previous one may close this
            if (it == io_.end() || !it->second.pendingExecStatus) continue;
            deliverPendingExecStatus(token, it->second);
            delivered = true;
        }
    }
    return delivered;
}

void RealProcessHost::flushExecStatus(Token token) {
    auto it = io_.find(token);
    if (it == io_.end()) return;
    deliverPendingExecStatus(token, it->second);
}

void RealProcessHost::closeOutput(Token token) {
    if (io_.find(token) == io_.end()) return;
    // The exec status first: it is the child's last word before anything it printed after exec.
    flushExecStatus(token);
    // Then what the child reported (READY=1, STATUS=...), then what it printed last.
    int delivered = 0;
    while (delivered < kNotifyDrainLimit && deliverNotify(token)) ++delivered;
    auto it = io_.find(token);  // handling a datagram may have closed the token's output already
    if (it == io_.end()) return;
    Io& io = it->second;
    close(io, kNotify);
    // What the old process wrote last is still in the pipe: deliver it before closing.
    for (int which : {kOut, kErr}) {
        std::size_t read = 0;
        UniqueFd& fd = which == kOut ? io.out : io.err;
        while (fd && read < kDrainLimit && readChunk(token, io, which)) read += kReadChunk;
        if (fd) {
            close(io, which);
            if (events_) events_->onOutputClosed(token, which == kOut ? Stream::Out : Stream::Err);
        }
    }
    io_.erase(token);
}

std::vector<ReapedChild> RealProcessHost::reap() {
    auto children = reapAll();
    for (auto& c : children) {
        pidfds_.erase(c.pid);
        auto spawned = tokens_.find(c.pid);
        if (spawned == tokens_.end()) continue;  // an orphan re-parented to us
        const Token token = spawned->second;
        tokens_.erase(spawned);
        readWhatIsLeft(token);
    }
    return children;
}

// A reaped child has closed its ends of the pipes, so what it wrote last and the EOF are there now:
// read them at once rather than when the loop gets to each pipe's turn (64 fds per epoll_wait). At a
// shutdown of thousands, the loop stops at the last exit, and the pipes it had not reached yet were
// read and closed one by one in the teardown, after everything else. A pipe that a process left
// behind still holds gives EAGAIN here and stays watched.
void RealProcessHost::readWhatIsLeft(Token token) {
    flushExecStatus(token);  // the child's last word before anything it printed after exec
    for (int which : {kOut, kErr}) {
        std::size_t read = 0;
        for (;;) {
            auto it = io_.find(token);  // delivering output may spawn, and a spawn may close this token
            if (it == io_.end()) return;
            Io& io = it->second;
            if (!(which == kOut ? io.out : io.err) || read >= kDrainLimit || !readChunk(token, io, which))
                break;
            read += kReadChunk;
        }
    }
}

int RealProcessHost::signal(pid_t pid, int sig) {
    auto it = pidfds_.find(pid);
    if (it != pidfds_.end()) return Pidfd::sendSignal(it->second.get(), sig);
    return ::kill(pid, sig) == 0 ? 0 : errno;
}

int RealProcessHost::signalGroup(pid_t pgid, int sig) {
    if (pgid <= 1) return EINVAL;
    return ::killpg(pgid, sig) == 0 ? 0 : errno;
}

std::vector<std::string> RealProcessHost::groupMembers(pid_t pgid, std::size_t max) {
    std::vector<std::string> out;
    // The common case, an empty group, costs one syscall; only a non-empty one is looked up in /proc.
    if (pgid <= 1 || max == 0 || (::killpg(pgid, 0) != 0 && errno == ESRCH)) return out;
    DIR* dir = ::opendir("/proc");
    if (!dir) return {"(unknown: cannot read /proc)"};
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        auto stat = readProcFile(std::string("/proc/") + e->d_name + "/stat");
        if (!stat) continue;  // it has exited meanwhile
        const std::string& text = *stat;
        // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so split at the last ')'.
        auto open = text.find('('), close = text.rfind(')');
        if (open == std::string::npos || close == std::string::npos || close < open) continue;
        std::istringstream rest(text.substr(close + 1));
        char state = 0;
        long ppid = 0, pgrp = 0;
        if (!(rest >> state >> ppid >> pgrp) || pgrp != pgid || state == 'Z') continue;
        out.push_back(std::string(e->d_name) + " " + text.substr(open + 1, close - open - 1));
        if (out.size() >= max) break;
    }
    ::closedir(dir);
    return out;
}

namespace {
// A zombie has already exited; its SIGCHLD is queued and the next reap collects it. The kernel lists
// it among our children until then, so a shutdown that counted it would SIGKILL (and report) a
// process of a stopped group that merely exited a moment after its leader was reaped.
bool isZombie(pid_t pid) {
    auto stat = readProcFile("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;  // gone (reaped meanwhile)
    auto close = stat->rfind(')');
    return close != std::string::npos && close + 2 < stat->size() && (*stat)[close + 2] == 'Z';
}
}  // namespace

std::vector<pid_t> RealProcessHost::children() {
    // /proc/<pid>/task/<tid>/children lists a thread's children, orphans re-parented to us included.
    std::vector<pid_t> out;
    DIR* dir = ::opendir("/proc/self/task");
    if (!dir) return out;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        auto list = readProcFile(std::string("/proc/self/task/") + e->d_name + "/children");
        if (!list) continue;
        std::istringstream in(*list);
        pid_t pid;
        while (in >> pid)
            if (!isZombie(pid)) out.push_back(pid);
    }
    ::closedir(dir);
    return out;
}

}  // namespace sup::os
