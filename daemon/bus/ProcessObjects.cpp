#include "bus/ProcessObjects.h"

#include <errno.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sdbus-c++/Error.h>

#include "bus/Arguments.h"
#include "bus/BusErrors.h"
#include "bus/BusNames.h"
#include "bus/BusText.h"
#include "bus/DefinitionValues.h"
#include "bus/RawAppend.h"
#include "bus/RawBus.h"

namespace sup::bus {

namespace {

constexpr const char* kInterface = "io.supervisord.Process1";

std::uint32_t pidValue(pid_t pid) {
    return static_cast<std::uint32_t>(pid > 0 ? pid : 0);
}

struct MessageUnref {
    void operator()(sd_bus_message* message) const { ::sd_bus_message_unref(message); }
};

// One signalled property (a name changedProperties() gives) as a variant, serialized as its getter
// in kVtable serializes the same value. Built here rather than by sd_bus_emit_properties_changed,
// which looks each property up in the vtable and calls its getter: at a shutdown of 1,000 services
// that machinery cost three times the message's own send.
int appendSignalled(sd_bus_message* m, std::string_view property, const SignalledValues& v) {
    auto variant = [m](const char* signature, const auto& value) {
        int rc = ::sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, signature);
        if (rc >= 0) rc = appendValue(m, value);
        return rc < 0 ? rc : ::sd_bus_message_close_container(m);
    };
    if (property == "State") return variant("s", std::string(toString(v.state)));
    if (property == "Pid") return variant("u", pidValue(v.pid));
    if (property == "Restarts") return variant("u", static_cast<std::uint32_t>(v.restarts));
    if (property == "ExitStatus") return variant("i", static_cast<std::int32_t>(v.exitStatus));
    if (property == "LastExit") return variant("s", busText(v.lastExit));
    if (property == "SpawnError") return variant("s", busText(v.spawnError));
    if (property == "Reason") return variant("s", busText(v.reason));
    if (property == "StartedAt") return variant("x", static_cast<std::int64_t>(v.startedAtUsec));
    if (property == "StateSince") return variant("x", static_cast<std::int64_t>(v.stateSinceUsec));
    if (property == "NextStart") return variant("x", static_cast<std::int64_t>(v.nextStartUsec));
    if (property == "CpuUsec") return variant("t", static_cast<std::uint64_t>(v.cpuUsec));
    if (property == "MaxRssKiB") return variant("x", static_cast<std::int64_t>(v.maxRssKiB));
    if (property == "Command") return variant("s", busText(v.command));
    if (property == "SourceFile") return variant("s", busText(v.sourceFile));
    if (property == "SourceLine") return variant("i", static_cast<std::int32_t>(v.sourceLine));
    if (property == "Priority") return variant("i", static_cast<std::int32_t>(v.priority));
    if (property == "ReadyState") return variant("s", busText(v.readyState));
    if (property == "NotifyStatus") return variant("s", busText(v.notifyStatus));
    return -EDOM;  // what sd-bus answers for a property that is not signalled
}

struct StrvFree {
    void operator()(char** strv) const {
        if (strv == nullptr) return;
        for (char** item = strv; *item != nullptr; ++item) std::free(*item);
        std::free(strv);
    }
};

}  // namespace

class ProcessObjects::Reading {
  public:
    // `message`: the message being processed (a reference is held, so no later message can have the
    // same address while this reading is kept); `known`: a snapshot already in hand.
    Reading(const Control& control, sd_bus_message* message, std::string name,
            std::optional<ProcessInfo> known = std::nullopt)
        : control_(control),
          message_(::sd_bus_message_ref(message)),
          name_(std::move(name)),
          info_(std::move(known)) {}
    ~Reading() { ::sd_bus_message_unref(message_); }
    Reading(const Reading&) = delete;
    Reading& operator=(const Reading&) = delete;

    bool serves(const sd_bus_message* message, const std::string& name) const {
        return message == message_ && name == name_;
    }
    const std::string& name() const { return name_; }
    const ProcessInfo& info() {
        if (!info_) info_ = control_.get(name_);
        return *info_;
    }
    const ServiceSpec& definition() {
        if (!definition_) definition_ = control_.definition(name_);
        return *definition_;
    }

  private:
    const Control& control_;
    sd_bus_message* const message_;
    const std::string name_;
    std::optional<ProcessInfo> info_;
    std::optional<ServiceSpec> definition_;
};

// The C callbacks sd-bus calls. Each catches everything: an exception must not unwind through sd-bus.
struct ProcessObjects::Callbacks {
    using Entry = Instances::value_type;

    template <typename Body>
    static int answer(sd_bus_error* error, Body&& body) noexcept {
        try {
            return body();
        } catch (...) {
            try {
                const sdbus::Error e = toBusError(std::current_exception());
                return ::sd_bus_error_set(error, e.getName().c_str(), e.getMessage().c_str());
            } catch (...) {
                return -ENOMEM;
            }
        }
    }

    static int find(sd_bus*, const char* path, const char*, void* userdata, void** found,
                    sd_bus_error* error) {
        return answer(error, [&] {
            char* decoded = nullptr;
            const int rc = ::sd_bus_path_decode(path, kProcessPathPrefix, &decoded);
            if (rc <= 0) return rc;  // not below the prefix (or the prefix itself): no instance
            const std::unique_ptr<char, decltype(&std::free)> name(decoded, &std::free);
            auto& instances = static_cast<ProcessObjects*>(userdata)->instances_;
            auto it = instances.find(name.get());
            if (it == instances.end()) return 0;
            *found = &*it;
            return 1;
        });
    }

    static int enumerate(sd_bus*, const char*, void* userdata, char*** nodes, sd_bus_error* error) {
        return answer(error, [&] {
            const auto& instances = static_cast<ProcessObjects*>(userdata)->instances_;
            std::unique_ptr<char*, StrvFree> paths(
                static_cast<char**>(std::calloc(instances.size() + 1, sizeof(char*))));
            if (!paths) return -ENOMEM;
            std::size_t i = 0;
            for (const auto& [name, instance] : instances) {
                const int rc = ::sd_bus_path_encode(kProcessPathPrefix, name.c_str(), &paths.get()[i]);
                if (rc < 0) return rc;
                ++i;
            }
            *nodes = paths.release();
            return 0;
        });
    }

    template <auto Read>
    static int property(sd_bus* bus, const char*, const char*, const char*, sd_bus_message* reply,
                        void* userdata, sd_bus_error* error) {
        return answer(error, [&] {
            auto& entry = *static_cast<Entry*>(userdata);
            return appendValue(reply, Read(entry.second.owner->reading(bus, entry.first)));
        });
    }

    // The methods: the entry may go while the supervisor acts (a stop can end in a removal), so only
    // its name, copied first, is used after that.
    template <auto Act>
    static int method(sd_bus_message* call, void* userdata, sd_bus_error* error) {
        return answer(error, [&] {
            auto& entry = *static_cast<Entry*>(userdata);
            const std::string name = entry.first;
            ProcessObjects& self = *entry.second.owner;
            Act(self, call, name);
            return ::sd_bus_reply_method_return(call, nullptr);
        });
    }

    static void require(ProcessObjects& self, sd_bus_message* call, const std::string& action) {
        self.authorizer_.require(call, self.control_.settings().controlGroups, action);
    }

    static const sd_bus_vtable kVtable[];
};

namespace {
constexpr std::uint64_t kEmitsChange = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
constexpr std::uint64_t kConst = SD_BUS_VTABLE_PROPERTY_CONST;
constexpr std::uint64_t kNotSignalled = 0;  // EmitsChangedSignal=false in io.supervisord.xml
}  // namespace

// A Process1 property: its value from `r`, a Reading of the instance.
#define SUP_PROPERTY(name, signature, flags, ...) \
    SD_BUS_PROPERTY(name, signature, (&property<[](Reading& r) { return __VA_ARGS__; }>), 0, flags)

// Every member of io.supervisord.Process1 as io.supervisord.xml declares it, in the order sdbus-c++
// registered them (methods, then properties, each sorted by name), so Introspect reads as before.
const sd_bus_vtable ProcessObjects::Callbacks::kVtable[] = {
    SD_BUS_VTABLE_START(SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD("Restart", "", "",
                  (&method<[](ProcessObjects& self, sd_bus_message* call, const std::string& name) {
                      require(self, call, "restart " + name);
                      self.control_.restart(name);
                  }>),
                  SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "Signal", "s", SD_BUS_PARAM(signal), "", "",
        (&method<[](ProcessObjects& self, sd_bus_message* call, const std::string& name) {
            const char* text = nullptr;
            const int rc = ::sd_bus_message_read_basic(call, SD_BUS_TYPE_STRING, &text);
            if (rc < 0) throw std::system_error(-rc, std::generic_category(), "signal");
            const int sig = signalArgument(text);
            require(self, call, "signal " + name);
            self.control_.signal(name, sig);
        }>),
        SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Start", "", "",
                  (&method<[](ProcessObjects& self, sd_bus_message* call, const std::string& name) {
                      require(self, call, "start " + name);
                      self.control_.start(name);
                  }>),
                  SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Stop", "", "",
                  (&method<[](ProcessObjects& self, sd_bus_message* call, const std::string& name) {
                      require(self, call, "stop " + name);
                      self.control_.stop(name);
                  }>),
                  SD_BUS_VTABLE_UNPRIVILEGED),
    SUP_PROPERTY("After", "as", kNotSignalled, busText(r.info().after)),
    SUP_PROPERTY("Autostart", "b", kNotSignalled, static_cast<bool>(r.definition().autostart)),
    SUP_PROPERTY("BackoffInitialUSec", "t", kNotSignalled, usecOf(r.definition().backoff.initial)),
    SUP_PROPERTY("BackoffMaxUSec", "t", kNotSignalled, usecOf(r.definition().backoff.max)),
    SUP_PROPERTY("BackoffResetUSec", "t", kNotSignalled, usecOf(r.definition().backoff.resetAfter)),
    SUP_PROPERTY("Command", "s", kEmitsChange, busText(r.info().command)),
    SUP_PROPERTY("CpuUsec", "t", kEmitsChange, static_cast<std::uint64_t>(r.info().cpuUsec)),
    SUP_PROPERTY("Environment", "as", kNotSignalled, busText(environmentList(r.definition().environment))),
    SUP_PROPERTY("EnvironmentFile", "s", kNotSignalled, busText(r.definition().environmentFile)),
    SUP_PROPERTY("ExecStart", "as", kNotSignalled, busText(r.definition().command)),
    SUP_PROPERTY("ExitStatus", "i", kEmitsChange, static_cast<std::int32_t>(r.info().exitStatus)),
    SUP_PROPERTY("Group", "s", kConst, busText(r.info().group)),
    SUP_PROPERTY("KillGroup", "b", kNotSignalled, static_cast<bool>(r.definition().killGroup)),
    SUP_PROPERTY("LastExit", "s", kEmitsChange, busText(r.info().lastExit)),
    SUP_PROPERTY("MaxRssKiB", "x", kEmitsChange, static_cast<std::int64_t>(r.info().maxRssKiB)),
    SUP_PROPERTY("Name", "s", kConst, busText(r.name())),
    SUP_PROPERTY("NextStart", "x", kEmitsChange, static_cast<std::int64_t>(r.info().nextStartUsec)),
    SUP_PROPERTY("NotifyStatus", "s", kEmitsChange, busText(r.info().notifyStatus)),
    SUP_PROPERTY("NumProcs", "u", kNotSignalled, static_cast<std::uint32_t>(r.definition().numprocs)),
    SUP_PROPERTY("Pid", "u", kEmitsChange, pidValue(r.info().pid)),
    SUP_PROPERTY("Priority", "i", kEmitsChange, static_cast<std::int32_t>(r.info().priority)),
    SUP_PROPERTY("ReadyState", "s", kEmitsChange, busText(r.info().readyState)),
    SUP_PROPERTY("Reason", "s", kEmitsChange, busText(r.info().reason)),
    SUP_PROPERTY("RequiredBy", "as", kNotSignalled, busText(r.info().requiredBy)),
    SUP_PROPERTY("Requires", "as", kNotSignalled, busText(r.info().required)),
    SUP_PROPERTY("RestartPolicy", "s", kNotSignalled, toString(r.definition().restart)),
    SUP_PROPERTY("Restarts", "u", kEmitsChange, static_cast<std::uint32_t>(r.info().restarts)),
    SUP_PROPERTY("SourceFile", "s", kEmitsChange, busText(r.info().sourceFile)),
    SUP_PROPERTY("SourceLine", "i", kEmitsChange, static_cast<std::int32_t>(r.info().sourceLine)),
    SUP_PROPERTY("SpawnError", "s", kEmitsChange, busText(r.info().spawnError)),
    SUP_PROPERTY("StandardError", "s", kNotSignalled, busText(logTargetText(r.definition().stderrTarget))),
    SUP_PROPERTY("StandardErrorBackups", "u", kNotSignalled,
                 static_cast<std::uint32_t>(r.definition().stderrTarget.backups)),
    SUP_PROPERTY("StandardErrorMaxSize", "t", kNotSignalled,
                 static_cast<std::uint64_t>(r.definition().stderrTarget.maxSize)),
    SUP_PROPERTY("StandardOutput", "s", kNotSignalled, busText(logTargetText(r.definition().stdoutTarget))),
    SUP_PROPERTY("StandardOutputBackups", "u", kNotSignalled,
                 static_cast<std::uint32_t>(r.definition().stdoutTarget.backups)),
    SUP_PROPERTY("StandardOutputMaxSize", "t", kNotSignalled,
                 static_cast<std::uint64_t>(r.definition().stdoutTarget.maxSize)),
    SUP_PROPERTY("StartRetries", "u", kNotSignalled, static_cast<std::uint32_t>(r.definition().startRetries)),
    SUP_PROPERTY("StartSecUSec", "t", kNotSignalled, usecOf(r.definition().startSeconds)),
    SUP_PROPERTY("StartedAt", "x", kEmitsChange, static_cast<std::int64_t>(r.info().startedAtUsec)),
    SUP_PROPERTY("State", "s", kEmitsChange, std::string(toString(r.info().state))),
    SUP_PROPERTY("StateSince", "x", kEmitsChange, static_cast<std::int64_t>(r.info().stateSinceUsec)),
    SUP_PROPERTY("StopSignal", "s", kNotSignalled, signalName(r.definition().stopSignal)),
    SUP_PROPERTY("StopTimeoutUSec", "t", kNotSignalled, usecOf(r.definition().stopTimeout)),
    SUP_PROPERTY("SuccessExitStatus", "ai", kNotSignalled,
                 std::vector<std::int32_t>(r.definition().successExitCodes.begin(),
                                           r.definition().successExitCodes.end())),
    SUP_PROPERTY("Timestamps", "b", kNotSignalled, static_cast<bool>(r.definition().timestamps)),
    SUP_PROPERTY("UMask", "s", kNotSignalled, umaskText(r.definition().umask)),
    SUP_PROPERTY("UnixGroup", "s", kNotSignalled, busText(r.definition().group.value_or(""))),
    SUP_PROPERTY("User", "s", kNotSignalled, busText(r.definition().user.value_or(""))),
    SUP_PROPERTY("Wants", "as", kNotSignalled, busText(r.info().wanted)),
    SUP_PROPERTY("WorkingDirectory", "s", kNotSignalled,
                 r.definition().directory.empty() ? std::string("/") : busText(r.definition().directory)),
    SD_BUS_VTABLE_END,
};

#undef SUP_PROPERTY

ProcessObjects::ProcessObjects(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                               const Subscribers& subscribers)
    : control_(control), authorizer_(authorizer), subscribers_(subscribers), bus_(rawBusOf(connection)) {
    sd_bus_slot* slot = nullptr;
    int rc = ::sd_bus_add_fallback_vtable(bus_, &slot, kProcessPathPrefix, kInterface, Callbacks::kVtable,
                                          &Callbacks::find, this);
    if (rc < 0)
        throw std::system_error(-rc, std::generic_category(),
                                std::string("cannot serve ") + kInterface + " below " + kProcessPathPrefix);
    vtableSlot_.reset(slot);
    slot = nullptr;
    rc = ::sd_bus_add_node_enumerator(bus_, &slot, kProcessPathPrefix, &Callbacks::enumerate, this);
    if (rc < 0)
        throw std::system_error(-rc, std::generic_category(),
                                std::string("cannot list the objects below ") + kProcessPathPrefix);
    enumeratorSlot_.reset(slot);
}

ProcessObjects::~ProcessObjects() {
    // The slots go first (members are destroyed in reverse order): after that, no callback runs.
    enumeratorSlot_.reset();
    vtableSlot_.reset();
}

ProcessObjects::Reading& ProcessObjects::reading(sd_bus* bus, const std::string& name) {
    sd_bus_message* current = ::sd_bus_get_current_message(bus);
    if (!reading_ || !reading_->serves(current, name))
        reading_ = std::make_unique<Reading>(control_, current, name);
    return *reading_;
}

void ProcessObjects::forgetReading() {
    reading_.reset();
}

void ProcessObjects::emit(int rc, const char* what, const std::string& name) const {
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), std::string(what) + " for " + name);
}

void ProcessObjects::add(const ProcessInfo& info) {
    instances_.insert_or_assign(info.name, Instance{this, SignalledValues::of(info), 0});
}

void ProcessObjects::announce(const std::string& name) {
    if (!contains(name) || !subscribers_.any()) return;
    forgetReading();  // a state change may have come in the same message
    const int rc = ::sd_bus_emit_object_added(bus_, processObjectPath(name).c_str());
    forgetReading();
    emit(rc, "InterfacesAdded", name);
}

void ProcessObjects::remove(const std::string& name) {
    auto it = instances_.find(name);
    if (it == instances_.end()) return;
    flushOne(*it);  // its last state (STOPPED, say) before it goes
    // Emitted while the path still resolves: sd-bus lists the interfaces the object had.
    const int rc =
        subscribers_.any() ? ::sd_bus_emit_object_removed(bus_, processObjectPath(name).c_str()) : 0;
    forgetReading();
    instances_.erase(it);
    emit(rc, "InterfacesRemoved", name);
}

void ProcessObjects::update(const ProcessInfo& info) {
    auto it = instances_.find(info.name);
    if (it == instances_.end()) return;
    Instance& instance = it->second;
    SignalledValues now = SignalledValues::of(info);
    const std::uint32_t moved = changedMask(instance.values, now);
    instance.values = std::move(now);
    // Unsubscribed, the new values are kept (the next signal names only what moves after them) and
    // nothing waits to be sent.
    if (moved == 0 || !subscribers_.any()) return;
    if (instance.unsignalled == 0) pending_.push_back(info.name);
    instance.unsignalled |= moved;
}

void ProcessObjects::flush() {
    std::exception_ptr first;
    std::vector<std::string> names;
    names.swap(pending_);
    for (const auto& name : names) {
        auto it = instances_.find(name);
        if (it == instances_.end()) continue;  // removed (and flushed) since
        try {
            flushOne(*it);
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    if (first) std::rethrow_exception(first);
}

void ProcessObjects::flushOne(Instances::value_type& entry) {
    const std::uint32_t changed = std::exchange(entry.second.unsignalled, 0);
    if (changed != 0 && subscribers_.any()) emitPropertiesChanged(entry.first, entry.second.values, changed);
}

void ProcessObjects::emitPropertiesChanged(const std::string& name, const SignalledValues& values,
                                           std::uint32_t changed) {
    sd_bus_message* raw = nullptr;
    int rc = ::sd_bus_message_new_signal(bus_, &raw, processObjectPath(name).c_str(),
                                         "org.freedesktop.DBus.Properties", "PropertiesChanged");
    emit(rc, "PropertiesChanged", name);
    const std::unique_ptr<sd_bus_message, MessageUnref> message(raw);
    rc = ::sd_bus_message_append_basic(raw, SD_BUS_TYPE_STRING, kInterface);
    if (rc >= 0) rc = ::sd_bus_message_open_container(raw, SD_BUS_TYPE_ARRAY, "{sv}");
    for (std::size_t i = 0; i < kSignalledProperties.size(); ++i) {
        if (!(changed & (std::uint32_t{1} << i))) continue;
        if (rc >= 0) rc = ::sd_bus_message_open_container(raw, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (rc >= 0) rc = ::sd_bus_message_append_basic(raw, SD_BUS_TYPE_STRING, kSignalledProperties[i]);
        if (rc >= 0) rc = appendSignalled(raw, kSignalledProperties[i], values);
        if (rc >= 0) rc = ::sd_bus_message_close_container(raw);
    }
    if (rc >= 0) rc = ::sd_bus_message_close_container(raw);
    if (rc >= 0) rc = ::sd_bus_message_append_strv(raw, nullptr);  // nothing invalidated
    if (rc >= 0) rc = ::sd_bus_send(bus_, raw, nullptr);
    emit(rc, "PropertiesChanged", name);
}

}  // namespace sup::bus
