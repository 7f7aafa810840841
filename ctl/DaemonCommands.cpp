// reload, shutdown, version: the daemon as a whole.
#include <sdbus-c++/Error.h>

#include "ctl/Commands.h"
#include "ctl/ExitCode.h"
#include "ctl/JsonOutput.h"
#include "ctl/TimeFormat.h"

namespace sup::ctl {

namespace {

using Clock = BusClient::Clock;
constexpr auto kShutdownPoll = std::chrono::milliseconds(100);

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
}

// The daemon may exit before its reply to Shutdown leaves: that is the request succeeding.
bool goneWhileAnswering(const sdbus::Error& e) {
    return e.getName() == bus_errors::kNoReply || e.getName() == "org.freedesktop.DBus.Error.Disconnected";
}

}  // namespace

int runReload(Context& c) {
    ReloadOutcome r;
    try {
        r = c.bus().reload();
    } catch (const sdbus::Error& e) {
        if (e.getName() != bus_errors::kInvalidConfig) throw;
        c.error("configuration refused, nothing changed:");
        c.note(e.getMessage() + "\n");
        return kExitFailure;
    }
    if (c.json()) {
        c.out(dumpLine(reloadJson(r)));
        return kExitOk;
    }
    if (r.added.empty() && r.removed.empty() && r.changed.empty()) {
        c.out("No changes.\n");
        return kExitOk;
    }
    if (!r.added.empty()) c.out("added: " + joinNames(r.added) + "\n");
    if (!r.removed.empty()) c.out("removed: " + joinNames(r.removed) + "\n");
    if (!r.changed.empty()) c.out("changed: " + joinNames(r.changed) + "\n");
    return kExitOk;
}

int runShutdown(Context& c) {
    BusClient& bus = c.bus();
    try {
        bus.shutdown();
    } catch (const sdbus::Error& e) {
        if (!goneWhileAnswering(e)) throw;
    }
    if (c.inv().global.noBlock) return kExitOk;
    const auto& timeout = c.inv().global.timeout;
    const auto started = Clock::now();
    // Stopping every process can take each one's stop_timeout; poll until the name leaves the bus.
    while (bus.daemonOnBus()) {
        const auto now = Clock::now();
        if (timeout && now - started >= *timeout) {
            c.error("supervisord is still stopping its processes after " +
                    formatDuration(std::chrono::microseconds(*timeout).count()) +
                    " (try a longer --timeout)");
            return kExitFailure;
        }
        auto wakeAt = now + kShutdownPoll;
        if (timeout && started + *timeout < wakeAt) wakeAt = started + *timeout;
        bus.waitAndDispatch(wakeAt);
    }
    return kExitOk;
}

int runVersion(Context& c) {
    // The client's version needs no daemon: print it before trying to reach one.
    if (!c.json()) c.out(std::string("supctl ") + clientVersion() + "\n");
    DaemonInfo d = c.bus().daemonInfo();
    if (c.json()) {
        Json j = Json::object();
        j["supctl"] = clientVersion();
        j["supervisord"] = d.version;
        c.out(dumpLine(j));
    } else {
        c.out("supervisord " + d.version + "\n");
    }
    return kExitOk;
}

}  // namespace sup::ctl
