#include "ctl/ProcessReader.h"

#include <systemd/sd-bus.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include "daemon/bus/RawMessage.h"

namespace sup::ctl {

namespace {

// sd-bus calls return a negative errno on a malformed reply: that is an error, as sdbus-c++'s own
// readers treat it.
int check(int r, const char* what) {
    if (r < 0) throw sdbus::createError(-r, std::string("Failed to read the process list: ") + what);
    return r;
}

void readValue(sd_bus_message* m, std::string& out) {
    const char* text = nullptr;
    check(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &text), "string");
    out.assign(text);  // a D-Bus string holds no NUL
}

template <typename Integer, char Type>
void readInteger(sd_bus_message* m, Integer& out) {
    check(sd_bus_message_read_basic(m, Type, &out), "integer");
}
void readValue(sd_bus_message* m, std::uint32_t& out) {
    readInteger<std::uint32_t, SD_BUS_TYPE_UINT32>(m, out);
}
void readValue(sd_bus_message* m, std::int32_t& out) {
    readInteger<std::int32_t, SD_BUS_TYPE_INT32>(m, out);
}
void readValue(sd_bus_message* m, std::int64_t& out) {
    readInteger<std::int64_t, SD_BUS_TYPE_INT64>(m, out);
}
void readValue(sd_bus_message* m, std::uint64_t& out) {
    readInteger<std::uint64_t, SD_BUS_TYPE_UINT64>(m, out);
}

void readValue(sd_bus_message* m, std::vector<std::string>& out) {
    check(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s"), "array");
    const char* text = nullptr;
    while (check(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &text), "string") > 0)
        out.emplace_back(text);
    check(sd_bus_message_exit_container(m), "array");
}

template <typename T>
constexpr const char* kSignature = nullptr;
template <>
constexpr const char* kSignature<std::string> = "s";
template <>
constexpr const char* kSignature<std::uint32_t> = "u";
template <>
constexpr const char* kSignature<std::int32_t> = "i";
template <>
constexpr const char* kSignature<std::int64_t> = "x";
template <>
constexpr const char* kSignature<std::uint64_t> = "t";
template <>
constexpr const char* kSignature<std::vector<std::string>> = "as";

using FieldReader = void (*)(sd_bus_message*, ProcessRecord&);

// One key of the process dictionary: the D-Bus type it is read as, and where it goes.
struct Field {
    std::string_view key;
    const char* signature;
    FieldReader read;
};

template <auto Member>
void readMember(sd_bus_message* m, ProcessRecord& p) {
    readValue(m, p.*Member);
}

template <auto Member>
constexpr Field field(std::string_view key) {
    using T = std::remove_reference_t<decltype(std::declval<ProcessRecord&>().*Member)>;
    return Field{key, kSignature<T>, &readMember<Member>};
}

void readObjectPath(sd_bus_message* m, ProcessRecord& p) {
    const char* path = nullptr;
    check(sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &path), "object path");
    p.objectPath.assign(path);
}

// In the order io.supervisord.xml documents and the daemon sends: the lookup tries the field after
// the last one first, so a reply in that order costs one comparison per key. A process row
// (ListProcessRows) holds these values in this order, without their keys.
constexpr Field kFields[] = {
    field<&ProcessRecord::name>("name"),
    field<&ProcessRecord::group>("group"),
    field<&ProcessRecord::state>("state"),
    field<&ProcessRecord::pid>("pid"),
    field<&ProcessRecord::restarts>("restarts"),
    field<&ProcessRecord::exitStatus>("exit_status"),
    field<&ProcessRecord::lastExit>("last_exit"),
    field<&ProcessRecord::spawnError>("spawn_error"),
    field<&ProcessRecord::reason>("reason"),
    field<&ProcessRecord::startedAtUsec>("started_at"),
    field<&ProcessRecord::stateSinceUsec>("state_since"),
    field<&ProcessRecord::nextStartUsec>("next_start"),
    field<&ProcessRecord::cpuUsec>("cpu_usec"),
    field<&ProcessRecord::maxRssKiB>("max_rss_kib"),
    field<&ProcessRecord::command>("command"),
    field<&ProcessRecord::argv>("argv"),
    field<&ProcessRecord::sourceFile>("source_file"),
    field<&ProcessRecord::sourceLine>("source_line"),
    field<&ProcessRecord::priority>("priority"),
    field<&ProcessRecord::required>("requires"),
    field<&ProcessRecord::wanted>("wants"),
    field<&ProcessRecord::after>("after"),
    field<&ProcessRecord::requiredBy>("required_by"),
    field<&ProcessRecord::readyState>("ready_state"),
    field<&ProcessRecord::notifyStatus>("notify_status"),
    Field{"object", "o", &readObjectPath},
};
constexpr std::size_t kFieldCount = std::size(kFields);

// The field named `key`, or nullptr for a key this supctl does not know (a newer daemon's).
const Field* findField(std::string_view key, std::size_t& next) {
    for (std::size_t tried = 0; tried < kFieldCount; ++tried) {
        const std::size_t i = (next + tried) % kFieldCount;
        if (kFields[i].key == key) {
            next = i + 1;
            return &kFields[i];
        }
    }
    return nullptr;
}

// Reads the dict entries of an a{sv} whose array has already been entered. A key this supctl does not
// know, or a value of another type than expected, is skipped and keeps the default: a newer or older
// daemon may differ.
void readEntries(sd_bus_message* m, ProcessRecord& p) {
    std::size_t next = 0;
    while (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv"), "dict entry") > 0) {
        const char* key = nullptr;
        check(sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &key), "key");
        const char* contents = nullptr;
        check(sd_bus_message_peek_type(m, nullptr, &contents), "variant");
        const Field* f = findField(key, next);
        if (f != nullptr && contents != nullptr && std::strcmp(contents, f->signature) == 0) {
            check(sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents), "variant");
            f->read(m, p);
            check(sd_bus_message_exit_container(m), "variant");
        } else {
            check(sd_bus_message_skip(m, "v"), "variant");
        }
        check(sd_bus_message_exit_container(m), "dict entry");
    }
}

// Reads one a{sv} at the message's position; false at the end of the enclosing array.
bool readDict(sd_bus_message* m, ProcessRecord& p) {
    if (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}"), "process") == 0) return false;
    readEntries(m, p);
    check(sd_bus_message_exit_container(m), "process");
    return true;
}

// The contents of a process row: the fields' types in order, then the a{sv} of keys added later.
const std::string& rowContents() {
    static const std::string contents = [] {
        std::string signature;
        for (const auto& f : kFields) signature += f.signature;
        return signature + "a{sv}";
    }();
    return contents;
}

}  // namespace

std::vector<ProcessRecord> readProcessRows(sdbus::Message& reply) {
    sd_bus_message* m = bus::rawMessageOf(reply);
    const std::string& contents = rowContents();
    const std::string element = "(" + contents + ")";
    std::vector<ProcessRecord> out;
    if (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, element.c_str()), "rows") == 0) return out;
    while (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_STRUCT, contents.c_str()), "row") > 0) {
        ProcessRecord p;
        for (const auto& f : kFields) f.read(m, p);
        readDict(m, p);  // the keys added after the row was fixed
        check(sd_bus_message_exit_container(m), "row");
        out.push_back(std::move(p));
    }
    check(sd_bus_message_exit_container(m), "rows");
    return out;
}

ProcessRecord readProcess(sdbus::Message& reply) {
    ProcessRecord p;
    readDict(bus::rawMessageOf(reply), p);
    return p;
}

std::vector<ProcessRecord> readProcessList(sdbus::Message& reply) {
    sd_bus_message* m = bus::rawMessageOf(reply);
    std::vector<ProcessRecord> out;
    if (check(sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "a{sv}"), "list") == 0) return out;
    for (;;) {
        ProcessRecord p;
        if (!readDict(m, p)) break;
        out.push_back(std::move(p));
    }
    check(sd_bus_message_exit_container(m), "list");
    return out;
}

}  // namespace sup::ctl
