#include "bus/ProcessDict.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/TypeTraits.h>

#include "Utf8.h"
#include "bus/BusNames.h"
#include "bus/BusText.h"
#include "bus/RawAppend.h"
#include "bus/RawMessage.h"

namespace sup::bus {

namespace {

// Every key with its D-Bus type, in the order documented in the XML. Text is passed as it is held;
// each encoding repairs what is not valid UTF-8 (busText) on its own way out.
template <typename Visit>
void forEachField(const ProcessInfo& info, Visit&& visit) {
    visit("name", info.name);
    visit("group", info.group);
    visit("state", std::string(toString(info.state)));
    visit("pid", static_cast<std::uint32_t>(info.pid > 0 ? info.pid : 0));
    visit("restarts", static_cast<std::uint32_t>(info.restarts));
    visit("exit_status", static_cast<std::int32_t>(info.exitStatus));
    visit("last_exit", info.lastExit);
    visit("spawn_error", info.spawnError);
    visit("reason", info.reason);
    visit("started_at", static_cast<std::int64_t>(info.startedAtUsec));
    visit("state_since", static_cast<std::int64_t>(info.stateSinceUsec));
    visit("next_start", static_cast<std::int64_t>(info.nextStartUsec));
    visit("cpu_usec", static_cast<std::uint64_t>(info.cpuUsec));
    visit("max_rss_kib", static_cast<std::int64_t>(info.maxRssKiB));
    visit("command", info.command);
    visit("argv", info.argv);
    visit("source_file", info.sourceFile);
    visit("source_line", static_cast<std::int32_t>(info.sourceLine));
    visit("priority", static_cast<std::int32_t>(info.priority));
    visit("requires", info.required);
    visit("wants", info.wanted);
    visit("after", info.after);
    visit("required_by", info.requiredBy);
    visit("ready_state", info.readyState);
    visit("notify_status", info.notifyStatus);
    visit("object", sdbus::ObjectPath(processObjectPath(info.name)));
}

template <typename T>
sdbus::Variant variantOf(const T& value) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::string>>)
        return sdbus::Variant(busText(value));
    else
        return sdbus::Variant(value);
}

void check(int r, const char* what) {
    if (r < 0) throw sdbus::createError(-r, std::string("Failed to append a process's ") + what);
}

// One field into the message; text is copied only when it needs repair.
template <typename T>
void appendField(sd_bus_message* m, const T& value) {
    if constexpr (std::is_same_v<T, std::string>) {
        check(utf8::isValid(value) ? appendValue(m, value) : appendValue(m, busText(value)), "text");
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        const bool valid =
            std::all_of(value.begin(), value.end(), [](const auto& t) { return utf8::isValid(t); });
        check(valid ? appendValue(m, value) : appendValue(m, busText(value)), "list");
    } else {
        check(appendValue(m, value), "value");
    }
}

}  // namespace

ProcessDict toProcessDict(const ProcessInfo& info) {
    ProcessDict d;
    forEachField(info, [&](const char* key, const auto& value) { d.emplace(key, variantOf(value)); });
    return d;
}

void appendProcessDict(sdbus::Message& msg, const ProcessInfo& info) {
    sd_bus_message* m = rawMessageOf(msg);
    check(sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), "dictionary");
    forEachField(info, [&](const char* key, const auto& value) {
        check(sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv"), "entry");
        check(sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, key), "key");
        check(sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT,
                                            signatureOf<std::decay_t<decltype(value)>>()),
              "value");
        appendField(m, value);
        check(sd_bus_message_close_container(m), "value");
        check(sd_bus_message_close_container(m), "entry");
    });
    check(sd_bus_message_close_container(m), "dictionary");
}

const std::string& processRowContents() {
    static const std::string contents = [] {
        std::string signature;
        forEachField(ProcessInfo{}, [&](const char*, const auto& value) {
            signature += signatureOf<std::decay_t<decltype(value)>>();
        });
        return signature + "a{sv}";
    }();
    return contents;
}

void appendProcessRow(sdbus::Message& msg, const ProcessInfo& info) {
    sd_bus_message* m = rawMessageOf(msg);
    check(sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, processRowContents().c_str()), "row");
    forEachField(info, [&](const char*, const auto& value) { appendField(m, value); });
    check(sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), "later keys");
    check(sd_bus_message_close_container(m), "later keys");
    check(sd_bus_message_close_container(m), "row");
}

}  // namespace sup::bus
