// The "HOST:PORT" of a tcp probe, turned into the socket addresses to connect to, in order.
// HOST is an IPv4 literal, a bracketed IPv6 literal or `localhost`. No other names: resolving one would
// mean getaddrinfo, which blocks (and a probe runs on the daemon's only thread, beside every service).
#pragma once

#include <sys/socket.h>

#include <string_view>
#include <vector>

namespace sup::os {

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    int family() const { return storage.ss_family; }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// `localhost` is 127.0.0.1 then ::1 (what /etc/hosts says on Debian), tried in that order.
// Throws std::invalid_argument with a message for the user when `text` is not HOST:PORT as above.
std::vector<SocketAddress> parseProbeAddress(std::string_view text);

}  // namespace sup::os
