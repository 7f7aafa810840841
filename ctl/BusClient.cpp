#include "ctl/BusClient.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <system_error>

#include <sdbus-c++/sdbus-c++.h>

#include "ctl/ProcessReader.h"
#include "daemon/bus/ErrorNames.h"
#include "supervisord-proxy.h"

namespace sup::ctl {

namespace {

constexpr const char* kBusName = "io.supervisord";
constexpr const char* kManagerPath = "/io/supervisord";

using Dict = std::map<std::string, sdbus::Variant>;

// A missing key or a value of another type keeps the default: a newer or older daemon may differ.
template <typename T>
void take(const Dict& dict, const char* key, T& out) {
    auto it = dict.find(key);
    if (it == dict.end()) return;
    try {
        out = it->second.get<T>();
    } catch (const sdbus::Error&) {
    }
}

constexpr const char* kUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";

// Up to this many instances, getProcesses() asks for each by name. A GetProcess round trip costs
// supctl about 0.15 ms of CPU and a row of ListProcessRows about 4 us, but the list grows with every
// service: at 1,000 instances `status web@500` took 5.5 ms of supctl's CPU (and 4 ms of the daemon's)
// through the list, 1.6 ms (0.35 ms) by name; at 10 instances, 8 names one by one cost 0.4 ms more.
constexpr std::size_t kAskedOneByOne = 8;

std::unique_ptr<sdbus::IConnection> openBus(const BusTarget& target) {
    try {
        switch (target.kind) {
            case BusKind::Session:
                return sdbus::createSessionBusConnection();
            case BusKind::Remote:
                return sdbus::createRemoteSystemBusConnection(target.host);
            case BusKind::System:
                break;
        }
        return sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw ConnectError(e.getName(), e.getMessage());
    }
}

}  // namespace

// The generated proxy. Signals are subscribed (AddMatch, then Manager1.Subscribe) only when a command
// needs them, so a plain `status` costs one round trip.
class ManagerProxy final : public sdbus::ProxyInterfaces<io::supervisord::Manager1_proxy> {
  public:
    ManagerProxy(sdbus::IConnection& connection, BusClient& owner)
        : ProxyInterfaces(connection, kBusName, kManagerPath), owner_(owner) {}
    ~ManagerProxy() { unregisterProxy(); }
    // The match first, so no signal the subscription brings can be missed. The daemon sends its
    // signals only while a client is subscribed (like systemd); the subscription ends with this
    // connection. A daemon from before Subscribe signals to everyone and answers UnknownMethod.
    void subscribe() {
        registerProxy();
        try {
            Subscribe();
        } catch (const sdbus::Error& e) {
            if (e.getName() != kUnknownMethod && e.getName() != bus::errors::kAlreadySubscribed) throw;
        }
    }
    sdbus::IProxy& raw() { return getProxy(); }

  private:
    void onProcessStateChanged(const std::string& name, const std::string& oldState,
                               const std::string& newState, const uint32_t& pid,
                               const std::string& reason) override {
        owner_.deliver(StateChange{name, oldState, newState, pid, reason});
    }
    void onReloaded(const std::vector<std::string>&, const std::vector<std::string>&,
                    const std::vector<std::string>&) override {}

    BusClient& owner_;
};

BusClient::BusClient(const BusTarget& target)
    : target_(target),
      connection_(openBus(target)),
      manager_(std::make_unique<ManagerProxy>(*connection_, *this)) {}

BusClient::~BusClient() = default;

// These bypass the generated wrappers to decode the reply in place (see ProcessReader.h).
std::vector<ProcessRecord> BusClient::listProcesses() {
    auto& proxy = manager_->raw();
    if (!rowsUnknown_) {
        try {
            auto call =
                proxy.createMethodCall(io::supervisord::Manager1_proxy::INTERFACE_NAME, "ListProcessRows");
            auto reply = proxy.callMethod(call);
            return readProcessRows(reply);
        } catch (const sdbus::Error& e) {
            if (e.getName() != kUnknownMethod) throw;
            rowsUnknown_ = true;  // a daemon from before ListProcessRows: ask it the older way
        }
    }
    auto call = proxy.createMethodCall(io::supervisord::Manager1_proxy::INTERFACE_NAME, "ListProcesses");
    auto reply = proxy.callMethod(call);
    return readProcessList(reply);
}

ProcessRecord BusClient::getProcess(const std::string& name) {
    auto& proxy = manager_->raw();
    auto call = proxy.createMethodCall(io::supervisord::Manager1_proxy::INTERFACE_NAME, "GetProcess");
    call << name;
    auto reply = proxy.callMethod(call);
    return readProcess(reply);
}

std::vector<ProcessRecord> BusClient::getProcesses(const std::vector<std::string>& names) {
    // A std::set iterates in name order: with a stable sort by priority, that is the order
    // io.supervisord.xml documents for ListProcesses (priority, then name).
    const std::set<std::string> wanted(names.begin(), names.end());
    std::vector<ProcessRecord> found;
    if (wanted.size() <= kAskedOneByOne) {
        try {
            for (const auto& name : wanted) {
                try {
                    found.push_back(getProcess(name));
                } catch (const sdbus::Error& e) {
                    if (e.getName() != bus_errors::kNoSuchProcess) throw;
                }
            }
            std::stable_sort(found.begin(), found.end(), [](const ProcessRecord& a, const ProcessRecord& b) {
                return a.priority < b.priority;
            });
            return found;
        } catch (const sdbus::Error& e) {
            if (e.getName() != kUnknownMethod) throw;
            found.clear();  // a daemon without GetProcess: the whole list, as before
        }
    }
    for (auto& p : listProcesses())
        if (wanted.count(p.name)) found.push_back(std::move(p));
    return found;
}

std::vector<ProcessRecord> BusClient::getInstances(const std::string& name) {
    try {
        return {getProcess(name)};  // one call in the usual case of an instance name
    } catch (const sdbus::Error& e) {
        if (e.getName() != bus_errors::kNoSuchProcess) throw;
        std::vector<ProcessRecord> members;
        for (auto& p : listProcesses())
            if (p.group == name) members.push_back(std::move(p));
        if (members.empty()) throw;
        return members;
    }
}

std::vector<std::string> BusClient::groupInstances(const std::string& name) {
    std::vector<std::string> members;
    for (const auto& p : listProcesses())
        if (p.group == name && p.name != name) members.push_back(p.name);
    return members;
}

std::vector<std::string> BusClient::match(const std::vector<std::string>& patterns) {
    return manager_->Match(patterns);
}

std::vector<std::string> BusClient::start(const std::vector<std::string>& patterns) {
    return manager_->Start(patterns);
}

std::vector<std::string> BusClient::stop(const std::vector<std::string>& patterns) {
    return manager_->Stop(patterns);
}

std::vector<std::string> BusClient::restart(const std::vector<std::string>& patterns) {
    return manager_->Restart(patterns);
}

std::vector<std::string> BusClient::signal(const std::vector<std::string>& patterns, const std::string& sig) {
    return manager_->Signal(patterns, sig);
}

ReloadOutcome BusClient::reload() {
    auto [added, removed, changed] = manager_->Reload();
    return ReloadOutcome{std::move(added), std::move(removed), std::move(changed)};
}

void BusClient::shutdown() {
    manager_->Shutdown();
}

std::string BusClient::tail(const std::string& name, const std::string& stream, std::uint32_t lines) {
    // Raw bytes (ay): printed unchanged, whatever encoding the program wrote.
    const std::vector<std::uint8_t> bytes = manager_->Tail(name, stream, lines);
    return std::string(bytes.begin(), bytes.end());
}

int BusClient::follow(const std::string& name, const std::string& stream, std::uint32_t lines) {
    sdbus::UnixFd fd = manager_->Follow(name, stream, lines);
    return fd.release();
}

LimitsReading BusClient::limits() {
    auto [warn, binding, dims] = manager_->GetLimits();
    LimitsReading r;
    r.warnPercent = warn;
    r.bindingId = binding;
    for (const auto& s : dims) {
        LimitDimension d;
        d.id = s.get<0>();
        d.title = s.get<1>();
        d.used = s.get<2>();
        d.limit = s.get<3>();
        d.percent = s.get<4>();
        d.hitCount = s.get<5>();
        d.source = s.get<6>();
        d.note = s.get<7>();
        for (const auto& c : s.get<8>()) d.top.push_back(LimitConsumer{c.get<0>(), c.get<1>()});
        r.dimensions.push_back(std::move(d));
    }
    return r;
}

std::vector<DoctorFinding> BusClient::doctor(const std::vector<std::string>& names) {
    std::vector<DoctorFinding> out;
    for (const auto& f : manager_->Doctor(names))
        out.push_back(DoctorFinding{f.get<0>(), f.get<1>(), f.get<2>(), f.get<3>()});
    return out;
}

DaemonInfo BusClient::daemonInfo() {
    // One GetAll instead of a round trip per property.
    std::map<std::string, sdbus::Variant> props;
    manager_->raw()
        .callMethod("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(io::supervisord::Manager1_proxy::INTERFACE_NAME))
        .storeResultsTo(props);
    DaemonInfo d;
    take(props, "Version", d.version);
    take(props, "State", d.state);
    take(props, "ConfigPath", d.configPath);
    take(props, "ForkPressure", d.forkPressure);
    take(props, "ProcessCount", d.processCount);
    std::map<std::string, std::uint32_t> counts;
    take(props, "StateCounts", counts);
    d.stateCounts.assign(counts.begin(), counts.end());
    return d;
}

ServiceDefinition BusClient::definition(const std::string& objectPath) {
    auto object = sdbus::createProxy(*connection_, kBusName, objectPath);
    Dict props;
    object->callMethod("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(io::supervisord::Process1_proxy::INTERFACE_NAME))
        .storeResultsTo(props);
    ServiceDefinition d;
    take(props, "ExecStart", d.execStart);
    take(props, "WorkingDirectory", d.workingDirectory);
    take(props, "User", d.user);
    take(props, "UnixGroup", d.unixGroup);
    take(props, "UMask", d.umask);
    take(props, "Environment", d.environment);
    take(props, "EnvironmentFile", d.environmentFile);
    take(props, "NumProcs", d.numProcs);
    take(props, "Autostart", d.autostart);
    take(props, "RestartPolicy", d.restart);
    take(props, "SuccessExitStatus", d.successExitStatus);
    take(props, "StartSecUSec", d.startSecUsec);
    take(props, "StartRetries", d.startRetries);
    take(props, "BackoffInitialUSec", d.backoffInitialUsec);
    take(props, "BackoffMaxUSec", d.backoffMaxUsec);
    take(props, "BackoffResetUSec", d.backoffResetUsec);
    take(props, "StopSignal", d.stopSignal);
    take(props, "StopTimeoutUSec", d.stopTimeoutUsec);
    take(props, "KillGroup", d.killGroup);
    take(props, "StandardOutput", d.standardOutput);
    take(props, "StandardOutputMaxSize", d.standardOutputMaxSize);
    take(props, "StandardOutputBackups", d.standardOutputBackups);
    take(props, "StandardError", d.standardError);
    take(props, "StandardErrorMaxSize", d.standardErrorMaxSize);
    take(props, "StandardErrorBackups", d.standardErrorBackups);
    take(props, "Timestamps", d.timestamps);
    return d;
}

bool BusClient::daemonOnBus() {
    auto dbus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool has = false;
    dbus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kBusName))
        .storeResultsTo(has);
    return has;
}

std::uint32_t BusClient::daemonPid() {
    auto dbus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    std::uint32_t pid = 0;
    dbus->callMethod("GetConnectionUnixProcessID")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kBusName))
        .storeResultsTo(pid);
    return pid;
}

void BusClient::subscribeStateChanges(std::function<void(const StateChange&)> handler) {
    stateHandler_ = std::move(handler);
    manager_->subscribe();
}

void BusClient::deliver(const StateChange& change) {
    if (stateHandler_) stateHandler_(change);
}

void BusClient::dispatchPending() {
    while (connection_->processPendingRequest()) {
    }
}

bool BusClient::waitAndDispatch(std::optional<Clock::time_point> deadline) {
    dispatchPending();
    auto pd = connection_->getEventLoopPollData();
    int timeoutMs = pd.getPollTimeout();  // sd-bus's own timers (pending call timeouts)
    if (deadline) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        if (left <= 0) return false;
        if (timeoutMs < 0 || left < timeoutMs) timeoutMs = static_cast<int>(left);
    }
    pollfd pfd{pd.fd, static_cast<short>(pd.events), 0};
    int n = ::poll(&pfd, 1, timeoutMs);
    if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll on the bus");
    dispatchPending();
    return n > 0;
}

}  // namespace sup::ctl
