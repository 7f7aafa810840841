#include "bus/RawBus.h"

#include <stdexcept>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/RawMessage.h"

namespace sup::bus {

sd_bus* rawBusOf(sdbus::IConnection& connection) {
    // Any message made on the connection knows its bus. The call is only created, never sent; a proxy
    // made on a connection the caller owns registers nothing on it.
    auto proxy = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    auto call = proxy->createMethodCall("org.freedesktop.DBus.Peer", "Ping");
    sd_bus_message* message = rawMessageOf(call);
    sd_bus* bus = message != nullptr ? ::sd_bus_message_get_bus(message) : nullptr;
    // The same socket as the one sdbus-c++ polls, or this is not the connection's bus.
    const int fd = bus != nullptr ? ::sd_bus_get_fd(bus) : -1;
    const int expected = connection.getEventLoopPollData().fd;
    if (bus == nullptr || fd != expected)
        throw std::logic_error("cannot reach the sd_bus of the sdbus-c++ connection (fd " +
                               std::to_string(fd) + ", expected " + std::to_string(expected) + ")");
    return bus;
}

}  // namespace sup::bus
