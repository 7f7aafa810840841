// The sd_bus_message* underneath an sdbus::Message, to read or write a large message with sd-bus
// directly where sdbus-c++'s wrappers cost a std::string per container. sdbus-c++ 1.2.0 has no accessor
// for it (1.4.0 added one). Header-only and free of the daemon's code, so supctl reads its replies
// with the very same accessor.
#pragma once

#include <systemd/sd-bus.h>

#include <sdbus-c++/Message.h>

namespace sup::bus {

namespace detail {
// sdbus::Message keeps its sd_bus_message* in `protected: void* msg_`. Naming that member through a
// derived class is ordinary C++ (no cast, no layout assumption); the class is never instantiated.
struct RawMessage : sdbus::Message {
    static void* of(const sdbus::Message& message) { return message.*(&RawMessage::msg_); }
};
}  // namespace detail

// The message's own sd_bus_message (not a new reference: valid while `message` lives).
inline sd_bus_message* rawMessageOf(const sdbus::Message& message) {
    return static_cast<sd_bus_message*>(detail::RawMessage::of(message));
}

}  // namespace sup::bus
