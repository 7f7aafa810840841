#include "os/NotifySocket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

#include "os/FdUtil.h"

namespace sup::os {

namespace {
// The most fds one message can carry (the kernel's SCM_MAX_FD). Room for all of them, so none is lost
// to MSG_CTRUNC; the kernel closes any it could not hand over anyway.
constexpr std::size_t kMaxFds = 253;

socklen_t abstractAddress(sockaddr_un& addr, const std::string& name) {
    addr = {};
    addr.sun_family = AF_UNIX;
    if (name.empty() || name.size() + 1 > sizeof addr.sun_path)
        throw std::system_error(ENAMETOOLONG, std::generic_category(), "notify socket name");
    // An abstract name is every byte of the address after the leading NUL: no terminating NUL, exactly as
    // sd_notify builds it from "@name", or the two names would differ.
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}
}  // namespace

NotifySocket::NotifySocket(const std::string& name)
    : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
    if (!fd_) throwErrno("socket", "notify socket");
    parkLongLived(fd_);
    // The kernel then attaches the sender's pid, uid and gid to every datagram, whether it sent them or not.
    const int on = 1;
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
        throwErrno("setsockopt SO_PASSCRED", "notify socket");
    sockaddr_un addr;
    socklen_t length = abstractAddress(addr, name);
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), length) < 0) {
        if (errno != EADDRINUSE) throwErrno("bind", "@" + name);
        spdlog::debug("notify socket @{} is taken; letting the kernel pick a name", name);
        // Autobind: an address of the family alone gets a unique abstract name.
        const sa_family_t family = AF_UNIX;
        if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&family), sizeof family) < 0)
            throwErrno("bind", "an automatic notify socket name");
    }
    length = sizeof addr;
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &length) < 0)
        throwErrno("getsockname", "notify socket");
    const auto nameOffset = offsetof(sockaddr_un, sun_path) + 1;
    if (length <= nameOffset || addr.sun_path[0] != '\0')
        throw std::system_error(EINVAL, std::generic_category(), "notify socket has no abstract name");
    address_ = "@" + std::string(addr.sun_path + 1, length - nameOffset);
}

std::optional<NotifySocket::Received> NotifySocket::receive() {
    char text[kMaxDatagram];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxFds)];
    iovec iov{text, sizeof text};
    msghdr msg{};
    ssize_t n;
    do {
        msg = {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        // MSG_TRUNC: the datagram's real length, so a longer one is recognised and dropped, not cut.
        n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            spdlog::warn("reading notify socket {}: {}", address_, std::strerror(errno));
        return std::nullopt;
    }

    Received out;
    NotifyDatagram datagram;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_RIGHTS) {
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                out.fds.emplace_back(fd);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
            ucred cred;
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            datagram.senderPid = cred.pid;  // 0 when the sender is in a pid namespace we cannot see
            datagram.senderUid = cred.uid;
        }
    }
    if (static_cast<std::size_t>(n) > kMaxDatagram) {
        spdlog::debug("notify socket {}: dropped a datagram of {} bytes (at most {})", address_, n,
                      kMaxDatagram);
        return out;
    }
    datagram.text.assign(text, static_cast<std::size_t>(n));
    // Now, while the sender is most likely alive: once it has exited its pid tells nothing (and may be
    // someone else's). Never getsid(0), which is our own session.
    if (datagram.senderPid > 0) {
        const pid_t session = ::getsid(datagram.senderPid);
        datagram.senderSession = session > 0 ? session : 0;
    }
    out.datagram = std::move(datagram);
    return out;
}

}  // namespace sup::os
