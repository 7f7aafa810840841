#include "bus/DefinitionValues.h"

#include <chrono>
#include <cstdio>

namespace sup::bus {

std::string logTargetText(const LogTarget& target) {
    switch (target.kind) {
        case LogTarget::Kind::File:
            return "file:" + target.path;
        case LogTarget::Kind::Journal:
            return "journal";
        case LogTarget::Kind::Null:
            return "null";
        case LogTarget::Kind::Memory:
            return "memory";
        case LogTarget::Kind::Stdout:
            return "stdout";
        case LogTarget::Kind::Daemon:
            break;
    }
    return "daemon";
}

std::string umaskText(const std::optional<mode_t>& umask) {
    if (!umask) return "";
    char text[16];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(*umask));
    return text;
}

std::vector<std::string> environmentList(const std::map<std::string, std::string>& environment) {
    std::vector<std::string> out;
    out.reserve(environment.size());
    for (const auto& [key, value] : environment) out.push_back(key + "=" + value);
    return out;
}

std::uint64_t usecOf(Duration d) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace sup::bus
