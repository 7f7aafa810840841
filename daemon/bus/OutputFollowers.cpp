#include "bus/OutputFollowers.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <stdexcept>

#include "os/FdUtil.h"

namespace sup::bus {

namespace {
// Below this a follower could be cut off by one ordinary burst, whatever tail_bytes says.
constexpr std::size_t kMinBacklog = 4096;
}  // namespace

struct OutputFollowers::Follower {
    std::string name;
    OutputStream stream = OutputStream::Stdout;
    uid_t owner = 0;
    std::uint64_t sequence = 0;
    os::UniqueFd fd;      // our end: write-only, non-blocking
    std::string backlog;  // accepted but not yet taken by the socket
    bool sentEndsWithNewline = true;
    bool closing = false;       // cut off or finished: close once the backlog is out
    bool wantWritable = false;  // EPOLLOUT requested
};

OutputFollowers::OutputFollowers(os::EventLoop& loop, std::function<std::size_t()> backlogLimit)
    : loop_(loop), backlogLimit_(std::move(backlogLimit)) {}

OutputFollowers::~OutputFollowers() {
    for (auto& [fd, follower] : followers_) loop_.remove(fd);
}

std::size_t OutputFollowers::activeOf(uid_t owner) const {
    return static_cast<std::size_t>(std::count_if(
        followers_.begin(), followers_.end(),
        [&](const auto& entry) { return entry.second->owner == owner && !entry.second->closing; }));
}

bool OutputFollowers::evictClosing() {
    Follower* oldest = nullptr;
    for (auto& [fd, f] : followers_)
        if (f->closing && (oldest == nullptr || f->sequence < oldest->sequence)) oldest = f.get();
    if (oldest == nullptr) return false;
    close(oldest->fd.get());
    return true;
}

os::UniqueFd OutputFollowers::open(const std::string& name, OutputStream stream, std::string_view initial,
                                   uid_t owner) {
    if (owner != 0 && activeOf(owner) >= kMaxFollowersPerUid)
        throw TooManyFollowers("uid " + std::to_string(owner) + " already follows " +
                               std::to_string(kMaxFollowersPerUid) +
                               " streams (the most one user may); stop some `supctl tail -f` first");
    if (followers_.size() >= kMaxFollowers && !evictClosing())
        throw TooManyFollowers("too many followers (" + std::to_string(kMaxFollowers) +
                               "); stop some `supctl tail -f` first");
    // A stream socket rather than a pipe: send(MSG_NOSIGNAL) cannot raise SIGPIPE in the daemon when
    // the client has gone, and the client reads it exactly like a pipe.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
        os::throwErrno("socketpair", "for Follow");
    os::UniqueFd ours(pair[0]), theirs(pair[1]);
    os::setNonBlocking(theirs.get(), false);  // the client decides how it reads
    if (::shutdown(theirs.get(), SHUT_WR) < 0) os::throwErrno("shutdown", "for Follow");  // one-way

    auto follower = std::make_unique<Follower>();
    follower->name = name;
    follower->stream = stream;
    follower->owner = owner;
    follower->sequence = ++opened_;
    follower->fd = std::move(ours);
    const int fd = follower->fd.get();
    // No events asked for: EPOLLHUP/EPOLLERR still arrive, which is how a closed client is noticed.
    loop_.add(fd, 0, [this, fd](std::uint32_t events) { onEvents(fd, events); });
    followers_[fd] = std::move(follower);
    send(*followers_[fd], initial);
    return theirs;
}

void OutputFollowers::deliver(const std::string& name, OutputStream stream, std::string_view data) {
    for (auto it = followers_.begin(); it != followers_.end();) {
        Follower& f = *it->second;
        ++it;  // send() may close (erase) f
        if (f.name == name && f.stream == stream) send(f, data);
    }
}

void OutputFollowers::finish(const std::string& name) {
    for (auto it = followers_.begin(); it != followers_.end();) {
        Follower& f = *it->second;
        ++it;
        if (f.name != name) continue;
        f.closing = true;
        if (f.backlog.empty()) close(f.fd.get());
    }
}

void OutputFollowers::send(Follower& f, std::string_view data) {
    if (data.empty() || f.closing) return;
    if (f.backlog.empty()) {
        while (!data.empty()) {
            ssize_t n = ::send(f.fd.get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                f.sentEndsWithNewline = data[static_cast<std::size_t>(n) - 1] == '\n';
                data.remove_prefix(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            close(f.fd.get());  // EPIPE, ECONNRESET: the client has gone
            return;
        }
        if (data.empty()) return;
    }
    const std::size_t limit = std::max(backlogLimit_(), kMinBacklog);
    if (f.backlog.size() + data.size() > limit) {
        cutOff(f, f.backlog.size() + data.size());
        return;
    }
    f.backlog.append(data);
    watch(f, true);
}

void OutputFollowers::cutOff(Follower& f, std::size_t dropped) {
    f.backlog = f.sentEndsWithNewline ? "" : "\n";
    f.backlog +=
        "[supervisord: follower too slow, " + std::to_string(dropped) + " bytes dropped, disconnected]\n";
    f.closing = true;
    watch(f, true);
}

void OutputFollowers::flush(Follower& f) {
    std::size_t done = 0;
    while (done < f.backlog.size()) {
        ssize_t n =
            ::send(f.fd.get(), f.backlog.data() + done, f.backlog.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            f.sentEndsWithNewline = f.backlog[done - 1] == '\n';
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close(f.fd.get());
        return;
    }
    f.backlog.erase(0, done);
    if (!f.backlog.empty()) return;
    if (f.closing) {
        close(f.fd.get());
        return;
    }
    watch(f, false);
}

void OutputFollowers::watch(Follower& f, bool wantWritable) {
    if (f.wantWritable == wantWritable) return;
    loop_.modify(f.fd.get(), wantWritable ? std::uint32_t{EPOLLOUT} : std::uint32_t{0});
    f.wantWritable = wantWritable;
}

void OutputFollowers::onEvents(int fd, std::uint32_t events) {
    auto it = followers_.find(fd);
    if (it == followers_.end()) return;
    if (events & (EPOLLERR | EPOLLHUP)) {
        close(fd);
        return;
    }
    if (events & EPOLLOUT) flush(*it->second);
}

void OutputFollowers::close(int fd) {
    loop_.remove(fd);
    followers_.erase(fd);
}

}  // namespace sup::bus
