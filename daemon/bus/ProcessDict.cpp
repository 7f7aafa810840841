#include "bus/ProcessDict.h"

#include <cstdint>

#include <sdbus-c++/TypeTraits.h>

#include "bus/BusNames.h"
#include "bus/BusText.h"

namespace sup::bus {

namespace {

// Every key with its D-Bus type, in the order documented in the XML.
template <typename Visit>
void forEachField(const ProcessInfo& info, Visit&& visit) {
    visit("name", busText(info.name));
    visit("group", busText(info.group));
    visit("state", std::string(toString(info.state)));
    visit("pid", static_cast<std::uint32_t>(info.pid > 0 ? info.pid : 0));
    visit("restarts", static_cast<std::uint32_t>(info.restarts));
    visit("exit_status", static_cast<std::int32_t>(info.exitStatus));
    visit("last_exit", busText(info.lastExit));
    visit("spawn_error", busText(info.spawnError));
    visit("reason", busText(info.reason));
    visit("started_at", static_cast<std::int64_t>(info.startedAtUsec));
    visit("state_since", static_cast<std::int64_t>(info.stateSinceUsec));
    visit("next_start", static_cast<std::int64_t>(info.nextStartUsec));
    visit("cpu_usec", static_cast<std::uint64_t>(info.cpuUsec));
    visit("max_rss_kib", static_cast<std::int64_t>(info.maxRssKiB));
    visit("command", busText(info.command));
    visit("argv", busText(info.argv));
    visit("source_file", busText(info.sourceFile));
    visit("source_line", static_cast<std::int32_t>(info.sourceLine));
    visit("priority", static_cast<std::int32_t>(info.priority));
    visit("requires", busText(info.required));
    visit("wants", busText(info.wanted));
    visit("after", busText(info.after));
    visit("required_by", busText(info.requiredBy));
    visit("ready_state", busText(info.readyState));
    visit("notify_status", busText(info.notifyStatus));
    visit("object", sdbus::ObjectPath(processObjectPath(info.name)));
}

}  // namespace

ProcessDict toProcessDict(const ProcessInfo& info) {
    ProcessDict d;
    forEachField(info, [&](const char* key, const auto& value) { d.emplace(key, sdbus::Variant(value)); });
    return d;
}

void appendProcessDict(sdbus::Message& msg, const ProcessInfo& info) {
    msg.openContainer("{sv}");
    forEachField(info, [&](const char* key, const auto& value) {
        using Value = std::decay_t<decltype(value)>;
        msg.openDictEntry("sv");
        msg << key;
        msg.openVariant(sdbus::signature_of<Value>::str());
        msg << value;
        msg.closeVariant();
        msg.closeDictEntry();
    });
    msg.closeContainer();
}

}  // namespace sup::bus
