// supctl's side of the D-Bus API (io.supervisord.xml): one connection, synchronous calls through
// the generated proxy, and a way to wait for ProcessStateChanged signals with a deadline.
//
// No event-loop thread: sdbus-c++ falls back to plain sd_bus_call when nobody runs the loop, and
// signals that arrive meanwhile stay queued until waitAndDispatch()/dispatchPending() hands them
// to the state-change handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctl/ErrorReport.h"
#include "ctl/Model.h"

namespace sdbus {
class IConnection;
}  // namespace sdbus

namespace sup::ctl {

// Opening the bus failed (before any call): always reported as "cannot reach".
struct ConnectError : std::runtime_error {
    std::string name;
    ConnectError(std::string errorName, const std::string& message)
        : std::runtime_error(message), name(std::move(errorName)) {}
};

struct StateChange {
    std::string name, oldState, newState;
    std::uint32_t pid = 0;
    std::string reason;
};

class ManagerProxy;

class BusClient {
  public:
    using Clock = std::chrono::steady_clock;

    explicit BusClient(const BusTarget& target);  // throws ConnectError
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    const BusTarget& target() const { return target_; }

    // io.supervisord.Manager1; each throws sdbus::Error on an error reply.
    // Every instance: ListProcessRows, or ListProcesses from a daemon older than that method.
    std::vector<ProcessRecord> listProcesses();
    ProcessRecord getProcess(const std::string& name);
    // The instances NAMES (exact instance names, as Match returns them), in ListProcesses order; a
    // name that is gone by now (a reload removed it) is left out. A few are asked for one by one
    // (GetProcess), more with one ListProcesses: see kAskedOneByOne.
    std::vector<ProcessRecord> getProcesses(const std::vector<std::string>& names);
    // The instance NAME, or else every instance of the group NAME (`web` for web@0 and web@1), in
    // ListProcesses order. Throws GetProcess's NoSuchProcess when NAME is neither.
    std::vector<ProcessRecord> getInstances(const std::string& name);
    // The instances of the group NAME other than an instance named NAME itself (empty when none).
    std::vector<std::string> groupInstances(const std::string& name);
    std::vector<std::string> match(const std::vector<std::string>& patterns);
    std::vector<std::string> start(const std::vector<std::string>& patterns);
    std::vector<std::string> stop(const std::vector<std::string>& patterns);
    std::vector<std::string> restart(const std::vector<std::string>& patterns);
    std::vector<std::string> signal(const std::vector<std::string>& patterns, const std::string& sig);
    ReloadOutcome reload();
    void shutdown();
    std::string tail(const std::string& name, const std::string& stream, std::uint32_t lines);
    // The read end of a pipe the daemon feeds with the last `lines` lines and then every new byte.
    int follow(const std::string& name, const std::string& stream,
               std::uint32_t lines);  // caller owns the fd
    LimitsReading limits();
    std::vector<DoctorFinding> doctor(const std::vector<std::string>& names);
    DaemonInfo daemonInfo();
    // The definition properties of one process object (ProcessRecord::objectPath), in one GetAll.
    ServiceDefinition definition(const std::string& objectPath);

    // org.freedesktop.DBus about io.supervisord.
    bool daemonOnBus();
    std::uint32_t daemonPid();

    // Subscribes to ProcessStateChanged; changes are delivered to `handler` while dispatching.
    void subscribeStateChanges(std::function<void(const StateChange&)> handler);
    // Hands every message already received to its handler.
    void dispatchPending();
    // Waits for bus traffic until `deadline` (nullopt = no limit) and dispatches it. False when the
    // deadline passed without anything arriving.
    bool waitAndDispatch(std::optional<Clock::time_point> deadline);

  private:
    void deliver(const StateChange& change);

    BusTarget target_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerProxy> manager_;
    std::function<void(const StateChange&)> stateHandler_;
    bool rowsUnknown_ = false;  // the daemon answered UnknownMethod to ListProcessRows
    friend class ManagerProxy;
};

}  // namespace sup::ctl
