// Every process instance on the bus, /io/supervisord/process/<escaped name> with the interface
// io.supervisord.Process1, served from ONE sd-bus fallback vtable on the connection's sd_bus.
//
// Why raw sd-bus: sdbus-c++ 1.2.0 makes each object its own registration, and for 50 properties and 4
// methods that cost about 19 KiB of heap per instance (a std::function getter and setter, name and
// signature strings per property per object in sdbus-c++, its sd_bus_vtable array, and sd-bus's own
// per-object member hash tables), plus the time to register them: the daemon's heap grew by 24.7 KiB
// per service. A fallback vtable is one static table for every path below /io/supervisord/process;
// `find` turns a path into an instance, and a node enumerator lists the instances for Introspect and
// GetManagedObjects. What stays per instance is the map entry below (~0.4 KiB): the values
// PropertiesChanged compares against.
//
// One visible difference: /io/supervisord/process itself now answers Get, GetAll and method calls
// with UnknownProperty, UnknownInterface or UnknownMethod rather than UnknownObject (its enumerator
// makes it a node sd-bus knows); it was never an object, and its Introspect lists the instances as
// before.
//
// Property getters read the live Control snapshot (once per message and instance, not once per
// property); the methods check the caller like every other control method. No C++ exception leaves
// a callback: each becomes the D-Bus error toBusError names.
#pragma once

#include <systemd/sd-bus.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/Authorizer.h"
#include "bus/ProcessChanges.h"
#include "bus/Subscribers.h"
#include "supervisor/Control.h"

namespace sdbus {
class IConnection;
}

namespace sup::bus {

class ProcessObjects {
  public:
    // Registers the vtable and the enumerator below kProcessPathPrefix on the connection's sd_bus.
    // Throws std::runtime_error when sd-bus refuses. Signals only while `subscribers` has someone.
    ProcessObjects(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                   const Subscribers& subscribers);
    ~ProcessObjects();
    ProcessObjects(const ProcessObjects&) = delete;
    ProcessObjects& operator=(const ProcessObjects&) = delete;

    bool contains(const std::string& name) const { return instances_.count(name) != 0; }
    std::size_t size() const { return instances_.size(); }

    // Publishes the instance (silently: InterfacesAdded only with announce()).
    void add(const ProcessInfo& info);
    // ObjectManager.InterfacesAdded for an instance added after the connection was made.
    void announce(const std::string& name);
    // ObjectManager.InterfacesRemoved, then the path is gone. No-op for an unknown name.
    void remove(const std::string& name);
    // Notes the instance's new values; flush() signals them. Like systemd's D-Bus queue of units, the
    // changes of one turn of the loop make one PropertiesChanged per object, with the values the
    // turn ended with (ProcessStateChanged, on the manager, still reports every transition).
    void update(const ProcessInfo& info);
    // PropertiesChanged for each object whose signalled values moved since its last one. Every
    // object is flushed even when one fails; the first failure is then thrown.
    void flush();

  private:
    struct Instance {
        ProcessObjects* owner;
        SignalledValues values;         // the latest values the supervisor reported
        std::uint32_t unsignalled = 0;  // which of them moved since the last PropertiesChanged (a mask)
    };
    using Instances = std::map<std::string, Instance>;

    // What the property getters of one message read about one instance, fetched at the first getter
    // that needs it: a GetAll or GetManagedObjects copies each ProcessInfo and ServiceSpec once.
    class Reading;
    struct Callbacks;
    friend struct Callbacks;

    struct SlotUnref {
        void operator()(sd_bus_slot* slot) const { ::sd_bus_slot_unref(slot); }
    };
    using Slot = std::unique_ptr<sd_bus_slot, SlotUnref>;

    Reading& reading(sd_bus* bus, const std::string& name);
    void forgetReading();
    void emit(int rc, const char* what, const std::string& name) const;
    // Signals the instance's unsignalled changes, if any.
    void flushOne(Instances::value_type& entry);
    void emitPropertiesChanged(const std::string& name, const SignalledValues& values, std::uint32_t changed);

    Control& control_;
    const Authorizer& authorizer_;
    const Subscribers& subscribers_;
    sd_bus* bus_;
    Instances instances_;
    // The instances with unsignalled changes, in the order they first moved this turn. A name may be
    // listed twice (removed and added again) or be gone: flushOne skips what has nothing to send.
    std::vector<std::string> pending_;
    std::unique_ptr<Reading> reading_;
    // Declared last, destroyed first: no callback runs once the rest is gone.
    Slot vtableSlot_;
    Slot enumeratorSlot_;
};

}  // namespace sup::bus
