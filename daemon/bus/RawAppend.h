// C++ values into a message being built with sd-bus directly, serialized as sdbus-c++ serializes the
// same types: for the fallback vtable's getters and signals (ProcessObjects) and the large process
// lists (ProcessDict), where sdbus-c++'s wrappers cost a std::string per container. Text goes in as it
// is: callers repair it first where it may not be valid UTF-8 (busText).
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <sdbus-c++/Types.h>

namespace sup::bus {

// The D-Bus signature of a value appendValue() takes.
template <typename T>
constexpr const char* signatureOf() {
    if constexpr (std::is_same_v<T, std::string>)
        return "s";
    else if constexpr (std::is_same_v<T, sdbus::ObjectPath>)
        return "o";
    else if constexpr (std::is_same_v<T, bool>)
        return "b";
    else if constexpr (std::is_same_v<T, std::int32_t>)
        return "i";
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return "u";
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return "x";
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return "t";
    else if constexpr (std::is_same_v<T, std::vector<std::int32_t>>)
        return "ai";
    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
        return "as";
    else
        static_assert(sizeof(T) == 0, "no D-Bus type for this value");
}

// Appends `value`; sd-bus's result (negative errno on failure).
template <typename T>
int appendValue(sd_bus_message* m, const T& value) {
    if constexpr (std::is_same_v<T, std::string>) {
        return ::sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, value.c_str());
    } else if constexpr (std::is_same_v<T, sdbus::ObjectPath>) {
        return ::sd_bus_message_append_basic(m, SD_BUS_TYPE_OBJECT_PATH, value.c_str());
    } else if constexpr (std::is_same_v<T, bool>) {
        const int flag = value ? 1 : 0;
        return ::sd_bus_message_append_basic(m, SD_BUS_TYPE_BOOLEAN, &flag);
    } else if constexpr (std::is_same_v<T, std::vector<std::int32_t>>) {
        return ::sd_bus_message_append_array(m, SD_BUS_TYPE_INT32, value.data(),
                                             value.size() * sizeof(std::int32_t));
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        int rc = ::sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "s");
        for (const auto& item : value) {
            if (rc < 0) return rc;
            rc = ::sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, item.c_str());
        }
        return rc < 0 ? rc : ::sd_bus_message_close_container(m);
    } else {
        return ::sd_bus_message_append_basic(m, *signatureOf<T>(), &value);  // the integers
    }
}

}  // namespace sup::bus
