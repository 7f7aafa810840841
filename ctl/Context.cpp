#include <unistd.h>

#include "ctl/Commands.h"
#include "ctl/Terminal.h"

#ifndef SUP_VERSION
#define SUP_VERSION "unknown"
#endif

namespace sup::ctl {

const char* clientVersion() {
    return SUP_VERSION;
}

BusClient& Context::bus() {
    if (!bus_) bus_ = std::make_unique<BusClient>(target());
    return *bus_;
}

// A reader that went away (`supctl status | head -1`) is not an error worth reporting.
void Context::out(const std::string& text) const {
    writeAll(STDOUT_FILENO, text);
}

void Context::error(const std::string& text) const {
    writeAll(STDERR_FILENO, "supctl: " + text + "\n");
}

void Context::note(const std::string& text) const {
    writeAll(STDERR_FILENO, text);
}

}  // namespace sup::ctl
