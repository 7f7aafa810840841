#include "os/ProbeAddress.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sup::os {

namespace {

[[noreturn]] void invalid(std::string_view text, std::string_view why) {
    throw std::invalid_argument("tcp probe address \"" + std::string(text) + "\": " + std::string(why));
}

std::uint16_t parsePort(std::string_view text, std::string_view port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
        invalid(text, "the port must be a number from 1 to 65535");
    return static_cast<std::uint16_t>(value);
}

SocketAddress ipv4(const std::string& host, std::uint16_t port) {
    SocketAddress out;
    auto* in = reinterpret_cast<sockaddr_in*>(&out.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &in->sin_addr) != 1)
        out.length = 0;
    else
        out.length = sizeof(sockaddr_in);
    return out;
}

SocketAddress ipv6(const std::string& host, std::uint16_t port) {
    SocketAddress out;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1)
        out.length = 0;
    else
        out.length = sizeof(sockaddr_in6);
    return out;
}

}  // namespace

std::vector<SocketAddress> parseProbeAddress(std::string_view text) {
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) invalid(text, "missing ']' after the IPv6 address");
        if (close + 1 >= text.size() || text[close + 1] != ':') invalid(text, "missing \":PORT\"");
        std::uint16_t port = parsePort(text, text.substr(close + 2));
        SocketAddress addr = ipv6(std::string(text.substr(1, close - 1)), port);
        if (addr.length == 0) invalid(text, "not an IPv6 address between [ and ]");
        return {addr};
    }
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) invalid(text, "missing \":PORT\"");
    std::string host(text.substr(0, colon));
    if (host.find(':') != std::string::npos) invalid(text, "an IPv6 address must be written in [ ]");
    std::uint16_t port = parsePort(text, text.substr(colon + 1));
    if (host == "localhost") return {ipv4("127.0.0.1", port), ipv6("::1", port)};
    SocketAddress addr = ipv4(host, port);
    if (addr.length == 0)
        invalid(text, "the host must be an IP address or localhost (names are not resolved: no DNS)");
    return {addr};
}

}  // namespace sup::os
