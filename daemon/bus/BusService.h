// supervisord on D-Bus: owns the connection, the manager object and the objects of the process
// instances, keeps them in step with the supervisor (as a ControlObserver), and is driven by the
// daemon's single EventLoop: no thread of its own.
//
// Losing the bus (dbus-daemon restarted or killed) is not an outage: the services keep running, the
// objects and the connection are dropped, and the service reconnects with a capped exponential backoff
// (a timer in the loop, quiet while connected). Once the bus is back it publishes every object again
// and owns io.supervisord again. Followers (Manager1.Follow) do not need the bus and survive the loss.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/Authorizer.h"
#include "bus/OutputFollowers.h"
#include "bus/ProcessTally.h"
#include "bus/Subscribers.h"
#include "core/Clock.h"
#include "os/EventLoop.h"
#include "os/TimerFd.h"
#include "supervisor/Control.h"

namespace sdbus {
class IConnection;
}

namespace sup::bus {

class ManagerObject;
class ProcessObjects;

struct BusOptions {
    bool userBus = false;    // the session bus (supervisord --user) instead of the system bus
    std::string configPath;  // shown as the ConfigPath property
    // Told false when the connection breaks and true once it is back (name owned, objects published).
    // Not called for the first connection, which the constructor makes or throws.
    std::function<void(bool connected)> onConnectionChanged;
    // Delay before the first reconnect attempt after a loss; it doubles after each failure up to the max.
    std::chrono::milliseconds reconnectInitial{100};
    std::chrono::milliseconds reconnectMax{5000};
};

class BusService final : public ControlObserver {
  public:
    // Connects (DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS are honoured), publishes the objects
    // and owns io.supervisord. Throws std::runtime_error when the bus is unreachable or the name is taken.
    BusService(os::EventLoop& loop, Control& control, BusOptions options);
    ~BusService() override;
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // True from the moment the bus connection broke until it is back; the services are unaffected.
    bool disconnected() const { return disconnected_; }
    // Reconnect attempts made since the connection was lost (0 while connected).
    unsigned reconnectAttempts() const { return attempts_; }

    // ControlObserver
    void onStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string& reason) override;
    void onProcessChanged(const ProcessInfo& info) override;
    void onProcessesAdded(const std::vector<std::string>& names) override;
    void onProcessesRemoved(const std::vector<std::string>& names) override;
    void onOutput(const std::string& name, OutputStream stream, std::string_view data) override;
    void onDaemonStateChanged(DaemonState state) override;

  private:
    const char* busLabel() const { return options_.userBus ? "session bus" : "system bus"; }
    // Connects, publishes the objects, owns the name and watches the socket; on failure undoes all of it
    // and throws std::runtime_error.
    void attach();
    // Stops watching the socket, unregisters every object and closes the connection.
    void detach() noexcept;
    void reconnect();
    void armReconnect();
    void ownName();
    void addProcess(const ProcessInfo& info, bool announce);
    // The manager's aggregates (ProcessCount, StateCounts, ForkPressure) are signalled once per turn of
    // the loop, not once per transition: a start or a stop of N services moves them N times in a few
    // turns, and a PropertiesChanged each was a third of the daemon's D-Bus signals.
    void managerPropertiesMoved(std::initializer_list<const char*> names);
    void flushManagerProperties();
    // Each instance's PropertiesChanged likewise: at most one per object per turn, with the values the
    // turn ended with (ProcessObjects::update).
    void flushProcessProperties();
    // Before every epoll_wait: run what sd-bus has queued, then tell epoll what sd-bus waits for.
    int prepare();
    void drain();
    void lostConnection(const std::string& why);
    // Observer callbacks run inside the supervisor: a failed emission is logged, never thrown at it.
    template <typename Body>
    void publish(const char* what, Body&& body);
    // A connection that breaks fails every emission until the end of the turn notices: at a shutdown of
    // 1,000 services that was a warning per signal. The first failure of a turn is logged, the rest
    // are counted and summed up in one line when the turn ends.
    void reportFailedPublishes();

    os::EventLoop& loop_;
    Control& control_;
    const BusOptions options_;
    SystemGroupDatabase groups_;
    Authorizer authorizer_;
    ProcessTally tally_;
    OutputFollowers followers_;
    std::unique_ptr<sdbus::IConnection> connection_;
    // The clients that asked for signals, on this connection (a reconnect starts with none).
    std::unique_ptr<Subscribers> subscribers_;
    std::unique_ptr<ManagerObject> manager_;
    // Every instance's object, on the same connection (one fallback vtable, not one object each).
    std::unique_ptr<ProcessObjects> processes_;
    std::vector<std::string> movedManagerProperties_;  // to signal at the end of this turn
    int busFd_ = -1;
    std::uint32_t busEvents_ = 0;
    bool disconnected_ = false;
    unsigned failedPublishes_ = 0;  // in this turn of the loop
    os::TimerFd reconnectTimer_;
    std::chrono::milliseconds reconnectDelay_{0};
    unsigned attempts_ = 0;
    TimePoint lostAt_{};
    std::string lastAttemptError_;
    bool observing_ = false;
    // The EventLoop cannot remove a prepare hook; ours goes quiet when this is cleared.
    std::shared_ptr<BusService*> hookTarget_;
};

}  // namespace sup::bus
