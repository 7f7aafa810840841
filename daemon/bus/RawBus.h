// The sd_bus* underneath an sdbus-c++ connection, for what sdbus-c++ 1.2.0 cannot do itself (the
// fallback vtable of ProcessObjects). 1.2.0 has no accessor for it: IConnection::createBusConnection(sd_bus*)
// and friends only arrived in 1.4.0.
#pragma once

#include <systemd/sd-bus.h>

namespace sdbus {
class IConnection;
}  // namespace sdbus

namespace sup::bus {

// The connection's own sd_bus (not a new reference: valid while the connection lives). Throws
// std::logic_error if what it found is not the connection's bus.
sd_bus* rawBusOf(sdbus::IConnection& connection);

}  // namespace sup::bus
