// supervisord on D-Bus: owns the connection, the manager object and one object per process
// instance, keeps them in step with the supervisor (as a ControlObserver), and is driven by the
// daemon's single EventLoop: no thread of its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/Authorizer.h"
#include "bus/OutputFollowers.h"
#include "bus/ProcessTally.h"
#include "os/EventLoop.h"
#include "supervisor/Control.h"

namespace sdbus {
class IConnection;
}

namespace sup::bus {

class ManagerObject;
class ProcessObject;

struct BusOptions {
    bool userBus = false;    // the session bus (supervisord --user) instead of the system bus
    std::string configPath;  // shown as the ConfigPath property
};

class BusService final : public ControlObserver {
  public:
    // Connects (DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS are honoured), publishes the objects
    // and owns io.supervisord. Throws std::runtime_error when the bus is unreachable or the name is taken.
    BusService(os::EventLoop& loop, Control& control, BusOptions options);
    ~BusService() override;
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // True once the bus connection broke; the loop was stopped at that moment.
    bool disconnected() const { return disconnected_; }

    // ControlObserver
    void onStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string& reason) override;
    void onProcessesAdded(const std::vector<std::string>& names) override;
    void onProcessesRemoved(const std::vector<std::string>& names) override;
    void onOutput(const std::string& name, OutputStream stream, std::string_view data) override;
    void onDaemonStateChanged(DaemonState state) override;

  private:
    const char* busLabel() const { return options_.userBus ? "session bus" : "system bus"; }
    void ownName();
    void addProcess(const ProcessInfo& info, bool announce);
    void dropRetired(const std::string& name);
    // Before every epoll_wait: run what sd-bus has queued, then tell epoll what sd-bus waits for.
    int prepare();
    void drain();
    void lostConnection(const std::string& why);
    // Observer callbacks run inside the supervisor: a failed emission is logged, never thrown at it.
    template <typename Body>
    void publish(const char* what, Body&& body);

    os::EventLoop& loop_;
    Control& control_;
    const BusOptions options_;
    SystemGroupDatabase groups_;
    Authorizer authorizer_;
    ProcessTally tally_;
    OutputFollowers followers_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerObject> manager_;
    std::map<std::string, std::unique_ptr<ProcessObject>> processes_;
    // Removed instances, unregistered at the next loop iteration: a removal can happen inside a method
    // call on that very object, whose handler must not be destroyed while it runs.
    std::vector<std::unique_ptr<ProcessObject>> retired_;
    int busFd_ = -1;
    std::uint32_t busEvents_ = 0;
    bool disconnected_ = false;
    bool observing_ = false;
    // The EventLoop cannot remove a prepare hook; ours goes quiet when this is cleared.
    std::shared_ptr<BusService*> hookTarget_;
};

}  // namespace sup::bus
