#include "bus/ManagerObject.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "bus/Arguments.h"
#include "bus/BusErrors.h"
#include "bus/BusNames.h"
#include "bus/ProcessDict.h"
#include "bus/RawMessage.h"

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

// tail_bytes may be up to 1 GiB, but dbus-daemon disconnects a peer whose message is over 32 MiB (its
// max_message_size), and for the daemon's own connection that would stop everything.
constexpr std::size_t kTailReplyMax = 8u << 20;

// The last `limit` bytes of `text`, starting at a line boundary when the cut falls inside a line.
std::string_view newestWithin(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::string_view tail = text.substr(text.size() - limit);
    const auto newline = tail.find('\n');
    if (newline != std::string_view::npos && newline + 1 < tail.size()) tail.remove_prefix(newline + 1);
    return tail;
}

// Every glob-taking method answers at once, in the single event loop that also feeds the watchdog:
// the work fnmatch does grows with the number of patterns times instances, and with the stars in a
// pattern (it backtracks), so all three are capped. Generous for any real use (`web@*`, a few names).
constexpr std::size_t kMaxPatterns = 256;
constexpr std::size_t kMaxPatternLength = 256;
constexpr std::size_t kMaxWildcards = 8;

void checkPatterns(const std::vector<std::string>& patterns) {
    if (patterns.size() > kMaxPatterns)
        throw sdbus::Error(errors::kInvalidArgument, std::to_string(patterns.size()) +
                                                         " patterns given; at most " +
                                                         std::to_string(kMaxPatterns) + " per call");
    for (const auto& pattern : patterns) {
        if (pattern.size() > kMaxPatternLength)
            throw sdbus::Error(errors::kInvalidArgument, "a pattern of " + std::to_string(pattern.size()) +
                                                             " bytes; at most " +
                                                             std::to_string(kMaxPatternLength));
        const auto wildcards = std::count_if(pattern.begin(), pattern.end(),
                                             [](char c) { return c == '*' || c == '?' || c == '['; });
        if (static_cast<std::size_t>(wildcards) > kMaxWildcards)
            throw sdbus::Error(errors::kInvalidArgument, "a pattern with " + std::to_string(wildcards) +
                                                             " wildcards; at most " +
                                                             std::to_string(kMaxWildcards));
    }
}

// A caller-given name as a message shows it: error texts echo it, and must stay small.
std::string brief(const std::string& name) {
    constexpr std::size_t kShown = 200;
    return name.size() <= kShown ? name : name.substr(0, kShown) + "...";
}

// What a refusal names ("stop web db"), after the patterns passed the caps: the text is echoed in the
// error, and must stay small whatever a caller sent.
std::string actionOn(const char* verb, const std::vector<std::string>& patterns) {
    checkPatterns(patterns);
    return std::string(verb) + " " + joined(patterns);
}

}  // namespace

namespace detail {
ManagerObjectCore::ManagerObjectCore(sdbus::IConnection& connection, sdbus::method_callback listProcesses,
                                     sdbus::method_callback listProcessRows)
    : object(sdbus::createObject(connection, kManagerPath)),
      registrar(
          *object, io::supervisord::Manager1_adaptor::INTERFACE_NAME,
          {{"ListProcesses", std::move(listProcesses)}, {"ListProcessRows", std::move(listProcessRows)}}) {}
}  // namespace detail

ManagerObject::ManagerObject(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                             const ProcessTally& tally, OutputFollowers& followers, Subscribers& subscribers,
                             std::string configPath)
    : ManagerObjectCore(
          connection, [this](sdbus::MethodCall call) { listProcesses(std::move(call)); },
          [this](sdbus::MethodCall call) { listProcessRows(std::move(call)); }),
      Manager1_adaptor(registrar),
      Properties_adaptor(*object),
      ObjectManager_adaptor(*object),
      control_(control),
      authorizer_(authorizer),
      tally_(tally),
      followers_(followers),
      subscribers_(subscribers),
      configPath_(std::move(configPath)) {
    if (!registrar.applied())
        throw std::logic_error("the generated Manager1 adaptor lacks ListProcesses or ListProcessRows");
    // The rows are written by hand from the dictionary's fields: they must be what the XML declares.
    const std::string declared = registrar.outputSignatureOf("ListProcessRows");
    if (declared != "a(" + processRowContents() + ")")
        throw std::logic_error("ListProcessRows is declared as " + declared + " but written as a(" +
                               processRowContents() + ")");
    object->finishRegistration();
}

ManagerObject::~ManagerObject() {
    object->unregister();
}

void ManagerObject::authorize(const std::string& action) {
    authorizer_.require(getObject(), control_.settings().controlGroups, action);
}

void ManagerObject::authorizeRead(const std::string& action) {
    const DaemonSettings& settings = control_.settings();
    authorizer_.require(getObject(), AccessGroups{settings.controlGroups, settings.readGroups}, Access::Read,
                        action);
}

std::vector<std::string> ManagerObject::matchNonEmpty(const std::vector<std::string>& patterns) {
    if (patterns.empty()) throw sdbus::Error(errors::kInvalidArgument, "no process names or patterns given");
    checkPatterns(patterns);
    return control_.match(patterns);
}

void ManagerObject::listProcesses(sdbus::MethodCall call) {
    guarded([&] {
        auto reply = call.createReply();
        reply.openContainer("a{sv}");
        control_.forEachProcess([&reply](const ProcessInfo& info) { appendProcessDict(reply, info); });
        reply.closeContainer();
        reply.send();
    });
}

void ManagerObject::listProcessRows(sdbus::MethodCall call) {
    guarded([&] {
        auto reply = call.createReply();
        reply.openContainer("(" + processRowContents() + ")");
        control_.forEachProcess([&reply](const ProcessInfo& info) { appendProcessRow(reply, info); });
        reply.closeContainer();
        reply.send();
    });
}

// Registered by the generated adaptor but never called: MethodOverride routes these to
// listProcesses() and listProcessRows() (the constructor checks that it did).
std::vector<std::map<std::string, sdbus::Variant>> ManagerObject::ListProcesses() {
    throw sdbus::Error(errors::kFailed, "ListProcesses is served by listProcesses()");
}

std::vector<sdbus::Struct<std::string, std::string, std::string, uint32_t, uint32_t, int32_t, std::string,
                          std::string, std::string, int64_t, int64_t, int64_t, uint64_t, int64_t, std::string,
                          std::vector<std::string>, std::string, int32_t, int32_t, std::vector<std::string>,
                          std::vector<std::string>, std::vector<std::string>, std::vector<std::string>,
                          std::string, std::string, sdbus::ObjectPath, std::map<std::string, sdbus::Variant>>>
ManagerObject::ListProcessRows() {
    throw sdbus::Error(errors::kFailed, "ListProcessRows is served by listProcessRows()");
}

std::map<std::string, sdbus::Variant> ManagerObject::GetProcess(const std::string& name) {
    return guarded([&] { return toProcessDict(control_.get(name)); });
}

std::vector<std::string> ManagerObject::Match(const std::vector<std::string>& patterns) {
    return guarded([&] { return busText(matchNonEmpty(patterns)); });
}

// Like `systemctl start` on an active unit: an instance that already runs is success, not an error.
std::vector<std::string> ManagerObject::Start(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize(actionOn("start", patterns));
        std::vector<std::string> started;
        for (const auto& name : matchNonEmpty(patterns)) {
            try {
                control_.start(name);
                started.push_back(name);
            } catch (const ControlError& e) {
                if (e.kind != ControlError::Kind::AlreadyRunning) throw;
            }
        }
        return busText(std::move(started));
    });
}

// Returns the instances a client has to wait for: those the stop changed or that are still going down.
std::vector<std::string> ManagerObject::Stop(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize(actionOn("stop", patterns));
        std::vector<std::string> stopped;
        for (const auto& name : matchNonEmpty(patterns)) {
            const ProcessState before = control_.get(name).state;
            control_.stop(name);
            const ProcessState after = control_.get(name).state;
            if (before != after || isActive(after)) stopped.push_back(name);
        }
        return busText(std::move(stopped));
    });
}

std::vector<std::string> ManagerObject::Restart(const std::vector<std::string>& patterns) {
    return guarded([&] {
        authorize(actionOn("restart", patterns));
        auto names = matchNonEmpty(patterns);
        for (const auto& name : names) control_.restart(name);
        return busText(std::move(names));
    });
}

// Instances without a process are skipped; it is an error only when none of them had one.
std::vector<std::string> ManagerObject::Signal(const std::vector<std::string>& patterns,
                                               const std::string& signal) {
    return guarded([&] {
        const int sig = signalArgument(signal);
        authorize(actionOn("signal", patterns));
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
        return busText(std::move(signalled));
    });
}

std::tuple<std::vector<std::string>, std::vector<std::string>, std::vector<std::string>>
ManagerObject::Reload() {
    return guarded([&] {
        authorize("reload the configuration");
        ReloadResult r = control_.reload();
        if (!r.ok) throw sdbus::Error(errors::kInvalidConfig, r.error);
        auto added = busText(std::move(r.added));
        auto removed = busText(std::move(r.removed));
        auto changed = busText(std::move(r.changed));
        if (subscribers_.any()) emitReloaded(added, removed, changed);
        return std::make_tuple(std::move(added), std::move(removed), std::move(changed));
    });
}

void ManagerObject::Shutdown() {
    guarded([&] {
        authorize("shut down supervisord");
        control_.shutdown();
    });
}

// Public, as systemd's are: a subscription shows nothing a client could not read with GetProcess, and
// it costs one entry per connection, which dbus-daemon's limits on connections already bound.
void ManagerObject::Subscribe() {
    guarded([&] {
        if (!subscribers_.add(rawMessageOf(*getObject().getCurrentlyProcessedMessage())))
            throw sdbus::Error(errors::kAlreadySubscribed, "this client is already subscribed");
    });
}

void ManagerObject::Unsubscribe() {
    guarded([&] {
        if (!subscribers_.remove(rawMessageOf(*getObject().getCurrentlyProcessedMessage())))
            throw sdbus::Error(errors::kNotSubscribed, "this client is not subscribed");
    });
}

// Bytes (ay), not a string: output is whatever a program wrote, and a D-Bus string must be valid UTF-8
// without NUL, so one stray byte would make the whole reply unsendable (or every byte would have to be
// rewritten). supctl writes the bytes out unchanged, as `cat` of the log file would.
std::vector<uint8_t> ManagerObject::Tail(const std::string& name, const std::string& stream,
                                         const uint32_t& lines) {
    return guarded([&] {
        const OutputStream which = streamArgument(stream);
        authorizeRead("read the output of " + brief(name));
        const std::string text = control_.tail(name, which, lines);
        const std::string_view kept = newestWithin(text, kTailReplyMax);
        return std::vector<uint8_t>(kept.begin(), kept.end());
    });
}

// Read-only like Tail, with the same authorization. The initial tail and the registration happen in the same
// loop turn, so no byte is missed or repeated between them.
sdbus::UnixFd ManagerObject::Follow(const std::string& name, const std::string& stream,
                                    const uint32_t& lines) {
    return guarded([&] {
        const OutputStream which = streamArgument(stream);
        authorizeRead("read the output of " + brief(name));
        (void)control_.get(name);  // NoSuchProcess before anything is opened
        const std::string initial = lines > 0 ? control_.tail(name, which, lines) : std::string();
        os::UniqueFd clientEnd;
        try {
            clientEnd = followers_.open(name, which, initial, Authorizer::callerUid(getObject()));
        } catch (const OutputFollowers::TooManyFollowers& e) {
            throw sdbus::Error(errors::kLimitsExceeded, e.what());
        }
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
            for (const auto& c : d.top) top.emplace_back(busText(c.command), c.count);
            dims.emplace_back(busText(d.id), busText(d.title), d.used, d.limit, d.percent, d.hitCount,
                              busText(d.source), busText(d.note), std::move(top));
        }
        return std::make_tuple(static_cast<uint32_t>(report.warnPercent), busText(report.bindingId),
                               std::move(dims));
    });
}

// No names: every instance that has a process. Named ones (or patterns) without a process are an error
// only when a single instance was asked about.
std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> ManagerObject::Doctor(
    const std::vector<std::string>& names) {
    return guarded([&] {
        checkPatterns(names);
        authorizeRead(names.empty() ? "run doctor" : "run doctor on " + joined(names));
        std::vector<std::string> targets;
        if (names.empty()) {
            control_.forEachProcess([&targets](const ProcessInfo& info) {
                if (info.pid > 0) targets.push_back(info.name);
            });
        } else {
            targets = control_.match(names);
        }
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> out;
        for (const auto& name : targets) {
            try {
                for (const auto& f : control_.doctor(name))
                    out.emplace_back(busText(name), busText(f.severity), busText(f.what), busText(f.fix));
            } catch (const ControlError& e) {
                if (e.kind != ControlError::Kind::NotRunning || (!names.empty() && targets.size() == 1))
                    throw;
            }
        }
        return out;
    });
}

std::string ManagerObject::Version() {
    return guarded([&] { return busText(control_.version()); });
}

std::string ManagerObject::State() {
    return guarded([&] { return std::string(toString(control_.daemonState())); });
}

std::string ManagerObject::ForkPressure() {
    return guarded([&] { return busText(tally_.forkPressure()); });
}

uint32_t ManagerObject::ProcessCount() {
    return tally_.count();
}

std::map<std::string, uint32_t> ManagerObject::StateCounts() {
    return guarded([&] { return tally_.countsByState(); });
}

}  // namespace sup::bus
