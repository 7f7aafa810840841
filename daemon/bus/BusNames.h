// Where supervisord lives on the bus: its well-known name and object paths.
#pragma once

#include <string>
#include <string_view>

namespace sup::bus {

inline constexpr const char* kBusName = "io.supervisord";
inline constexpr const char* kManagerPath = "/io/supervisord";
inline constexpr const char* kProcessPathPrefix = "/io/supervisord/process";

// The object path of one instance: sd_bus_path_encode of the name under kProcessPathPrefix,
// so "web@0" -> "/io/supervisord/process/web_400" (every byte but [A-Za-z0-9] becomes _XX).
std::string processObjectPath(std::string_view instanceName);

}  // namespace sup::bus
