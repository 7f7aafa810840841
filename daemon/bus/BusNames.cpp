#include "bus/BusNames.h"

#include <systemd/sd-bus.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <system_error>

namespace sup::bus {

std::string processObjectPath(std::string_view instanceName) {
    // sd-bus's own encoder, so every client that decodes with sd_bus_path_decode agrees with us.
    std::string name(instanceName);
    char* raw = nullptr;
    int rc = ::sd_bus_path_encode(kProcessPathPrefix, name.c_str(), &raw);
    if (rc < 0) {
        if (rc == -ENOMEM) throw std::bad_alloc();
        throw std::system_error(-rc, std::generic_category(), "sd_bus_path_encode");
    }
    std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
    return std::string(owned.get());
}

}  // namespace sup::bus
