// The clients that asked for signals with Manager1.Subscribe, like systemd's Manager.Subscribe: the
// daemon signals state changes (ProcessStateChanged, Reloaded, PropertiesChanged, InterfacesAdded and
// InterfacesRemoved) only while at least one client is subscribed. A signal nobody listens to still
// costs a message built, a sendmsg and dbus-daemon's routing; at a shutdown of 1,000 services that was
// four messages per service and about a quarter of the daemon's CPU.
//
// The signals stay broadcasts (any client with a match rule sees them while someone is subscribed),
// as systemd's do on its API bus. A client is forgotten when it calls Unsubscribe or leaves the bus
// (sd_bus_track watches NameOwnerChanged), and every subscription ends with the daemon's connection:
// after a reconnect a client subscribes again.
#pragma once

#include <systemd/sd-bus.h>

#include <cstddef>
#include <memory>

namespace sup::bus {

class Subscribers {
  public:
    // Throws std::system_error when sd-bus cannot make the track.
    explicit Subscribers(sd_bus* bus);

    // The sender of `call` is subscribed from now on: false when it already was. Throws
    // std::system_error when sd-bus fails (no memory, the bus is gone).
    bool add(sd_bus_message* call);
    // The sender of `call` is no longer subscribed: false when it was not.
    bool remove(sd_bus_message* call);
    // True while some client is subscribed: emit the signals.
    bool any() const { return size() != 0; }
    std::size_t size() const;

  private:
    struct TrackUnref {
        void operator()(sd_bus_track* track) const { ::sd_bus_track_unref(track); }
    };
    std::unique_ptr<sd_bus_track, TrackUnref> track_;
};

}  // namespace sup::bus
