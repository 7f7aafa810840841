#include "bus/ManagerObject.h"

#include <optional>
#include <stdexcept>

#include "bus/Arguments.h"
#include "bus/BusErrors.h"
#include "bus/BusNames.h"
#include "bus/ProcessDict.h"

namespace sup::bus {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ' ';
        out += item;
    }
    return out;
}

}  // namespace

namespace detail {
ManagerObjectCore::ManagerObjectCore(sdbus::IConnection& connection, sdbus::method_callback listProcesses)
    : object(sdbus::createObject(connection, kManagerPath)),
      registrar(*object, io::supervisord::Manager1_adaptor::INTERFACE_NAME, "ListProcesses",
                std::move(listProcesses)) {}
}  // namespace detail

ManagerObject::ManagerObject(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                             const ProcessTally& tally, OutputFollowers& followers, std::string configPath)
    : ManagerObjectCore(connection, [this](sdbus::MethodCall call) { listProcesses(std::move(call)); }),
      Manager1_adaptor(registrar),
      Properties_adaptor(*object),
      ObjectManager_adaptor(*object),
      control_(control),
      authorizer_(authorizer),
      tally_(tally),
      followers_(followers),
      configPath_(std::move(configPath)) {
    if (!registrar.applied()) throw std::logic_error("the generated Manager1 adaptor has no ListProcesses");
    object->finishRegistration();
}

ManagerObject::~ManagerObject() {
    object->unregister();
}

void ManagerObject::authorize(const std::string& action) {
    authorizer_.require(getObject(), control_.settings().controlGroups, action);
}

std::vector<std::string> ManagerObject::matchNonEmpty(const std::vector<std::string>& patterns) {
    if (patterns.empty()) throw sdbus::Error(errors::kInvalidArgument, "no process names or patterns given");
    return control_.match(patterns);
}

void ManagerObject::listProcesses(sdbus::MethodCall call) {
    guarded([&] {
        auto reply = call.createReply();
        reply.openContainer("a{sv}");
        for (const auto& info : control_.list()) appendProcessDict(reply, info);
        reply.closeContainer();
        reply.send();
    });
}

// Registered by the generated adaptor but never called: MethodOverride routes the method to
// listProcesses() (the constructor checks that it did).
std::vector<std::map<std::string, sdbus::Variant>> ManagerObject::ListProcesses() {
    throw sdbus::Error(errors::kFailed, "ListProcesses is served by listProcesses()");
}

std::map<std::string, sdbus::Variant> ManagerObject::GetProcess(const std::string& name) {
    return guarded([&] { return toProcessDict(control_.get(name)); });
}

std::vector<std::string> ManagerObject::Match(const std::vector<std::string>& patterns) {
    return guarded([&] { return matchNonEmpty(patterns); });
}

// Like `systemctl start` on an active unit: an instance that already runs is success, not an error.
std::vector<std::string> ManagerObject::Start(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize("start " + joined(patterns));
        std::vector<std::string> started;
        for (const auto& name : matchNonEmpty(patterns)) {
            try {
                control_.start(name);
                started.push_back(name);
            } catch (const ControlError& e) {
                if (e.kind != ControlError::Kind::AlreadyRunning) throw;
            }
        }
        return started;
    });
}

// Returns the instances a client has to wait for: those the stop changed or that are still going down.
std::vector<std::string> ManagerObject::Stop(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize("stop " + joined(patterns));
        std::vector<std::string> stopped;
        for (const auto& name : matchNonEmpty(patterns)) {
            const ProcessState before = control_.get(name).state;
            control_.stop(name);
            const ProcessState after = control_.get(name).state;
            if (before != after || isActive(after)) stopped.push_back(name);
        }
        return stopped;
    });
}

std::vector<std::string> ManagerObject::Restart(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize("restart " + joined(patterns));
        auto names = matchNonEmpty(patterns);
        for (const auto& name : names) control_.restart(name);
        return names;
    });
}

// Instances without a process are skipped; it is an error only when none of them had one.
std::vector<std::string> ManagerObject::Signal(const std::vector<std::string>& patterns,
                                               const std::string& signal) {
    return guarded([&] {
        const int sig = signalArgument(signal);
        authorize("signal " + joined(patterns));
        auto names = matchNonEmpty(patterns);
        std::vector<std::string> signalled;
        std::optional<ControlError> lastNotRunning;
        for (const auto& name : names) {
            try {
                control_.signal(name, sig);
                signalled.push_back(name);
            } catch (const ControlError& e) {
                if (e.kind != ControlError::Kind::NotRunning) throw;
                lastNotRunning = e;
            }
        }
        if (signalled.empty() && lastNotRunning) {
            if (names.size() == 1) throw *lastNotRunning;
            throw ControlError(ControlError::Kind::NotRunning,
                               "none of " + joined(names) + " has a running process");
        }
        return signalled;
    });
}

std::tuple<std::vector<std::string>, std::vector<std::string>, std::vector<std::string>>
ManagerObject::Reload() {
    return guarded([&] {
        authorize("reload the configuration");
        ReloadResult r = control_.reload();
        if (!r.ok) throw sdbus::Error(errors::kInvalidConfig, r.error);
        emitReloaded(r.added, r.removed, r.changed);
        return std::make_tuple(std::move(r.added), std::move(r.removed), std::move(r.changed));
    });
}

void ManagerObject::Shutdown() {
    guarded([&] {
        authorize("shut down supervisord");
        control_.shutdown();
    });
}

std::string ManagerObject::Tail(const std::string& name, const std::string& stream, const uint32_t& lines) {
    return guarded([&] { return control_.tail(name, streamArgument(stream), lines); });
}

// Read-only like Tail. The initial tail and the registration happen in the same loop turn, so no byte
// is missed or repeated between them.
sdbus::UnixFd ManagerObject::Follow(const std::string& name, const std::string& stream,
                                    const uint32_t& lines) {
    return guarded([&] {
        const OutputStream which = streamArgument(stream);
        (void)control_.get(name);  // NoSuchProcess before anything is opened
        const std::string initial = lines > 0 ? control_.tail(name, which, lines) : std::string();
        os::UniqueFd clientEnd = followers_.open(name, which, initial);
        return sdbus::UnixFd(clientEnd.release(), sdbus::adopt_fd);
    });
}

std::tuple<
    uint32_t, std::string,
    std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double, uint64_t, std::string,
                              std::string, std::vector<sdbus::Struct<std::string, uint64_t>>>>>
ManagerObject::GetLimits() {
    return guarded([&] {
        LimitsReport report = control_.limits();
        std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double, uint64_t, std::string,
                                  std::string, std::vector<sdbus::Struct<std::string, uint64_t>>>>
            dims;
        dims.reserve(report.dimensions.size());
        for (const auto& d : report.dimensions) {
            std::vector<sdbus::Struct<std::string, uint64_t>> top;
            for (const auto& c : d.top) top.emplace_back(c.command, c.count);
            dims.emplace_back(d.id, d.title, d.used, d.limit, d.percent, d.hitCount, d.source, d.note,
                              std::move(top));
        }
        return std::make_tuple(static_cast<uint32_t>(report.warnPercent), report.bindingId, std::move(dims));
    });
}

// No names: every instance that has a process. Named ones (or patterns) without a process are an error
// only when a single instance was asked about.
std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> ManagerObject::Doctor(
    const std::vector<std::string>& names) {
    return guarded([&] {
        std::vector<std::string> targets;
        if (names.empty()) {
            for (const auto& info : control_.list())
                if (info.pid > 0) targets.push_back(info.name);
        } else {
            targets = control_.match(names);
        }
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> out;
        for (const auto& name : targets) {
            try {
                for (const auto& f : control_.doctor(name)) out.emplace_back(name, f.severity, f.what, f.fix);
            } catch (const ControlError& e) {
                if (e.kind != ControlError::Kind::NotRunning || (!names.empty() && targets.size() == 1))
                    throw;
            }
        }
        return out;
    });
}

std::string ManagerObject::Version() {
    return guarded([&] { return control_.version(); });
}

std::string ManagerObject::State() {
    return guarded([&] { return std::string(toString(control_.daemonState())); });
}

std::string ManagerObject::ForkPressure() {
    return guarded([&] { return tally_.forkPressure(); });
}

uint32_t ManagerObject::ProcessCount() {
    return tally_.count();
}

std::map<std::string, uint32_t> ManagerObject::StateCounts() {
    return guarded([&] { return tally_.countsByState(); });
}

}  // namespace sup::bus
