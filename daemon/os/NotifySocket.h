// One spawn's NOTIFY_SOCKET: an abstract AF_UNIX datagram socket the child (or anything it starts) sends
// sd_notify(3) datagrams to, each received with its sender's credentials.
//
// Abstract, not a path: no file to create, chown or clean up, and a child that dropped to another user
// can still send to it (abstract sockets have no permissions; the credentials are what the supervisor
// checks). Per spawn, not one for the daemon: a child filling its queue (net.unix.max_dgram_qlen
// datagrams, 10 by default; SO_RCVBUF plays no part for AF_UNIX datagrams) blocks only itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "os/ProcessHost.h"
#include "os/UniqueFd.h"

namespace sup::os {

class NotifySocket {
  public:
    // The longest datagram accepted (systemd's limit); a longer one is dropped.
    static constexpr std::size_t kMaxDatagram = 4096;

    // Binds the abstract name `name` (no leading NUL or '@'), close-on-exec, non-blocking, SO_PASSCRED on.
    // When another socket holds that name (someone squatting a predictable name, or a daemon with the
    // same pid in another pid namespace sharing this network namespace), the kernel picks a unique one
    // instead. Throws std::system_error.
    explicit NotifySocket(const std::string& name);

    int fd() const { return fd_.get(); }
    // NOTIFY_SOCKET's value: '@' and the abstract name, as sd_notify(3) and systemd-notify read it.
    const std::string& address() const { return address_; }

    struct Received {
        std::optional<NotifyDatagram> datagram;  // nullopt: dropped (longer than kMaxDatagram)
        // The fds it carried, closed with this object: destroy it only after the datagram (and every one
        // before it) was handled, as that close is what BARRIER=1 waits for.
        std::vector<UniqueFd> fds;
    };
    // One queued datagram, without blocking; nullopt when none is queued (or on a read error, logged).
    std::optional<Received> receive();

  private:
    UniqueFd fd_;
    std::string address_;
};

}  // namespace sup::os
