#include "bus/Arguments.h"

#include <stdexcept>

#include <sdbus-c++/Error.h>

#include "SignalNames.h"
#include "bus/BusErrors.h"

namespace sup::bus {

int signalArgument(const std::string& text) {
    try {
        return config::parseSignal(text);
    } catch (const std::invalid_argument& e) {
        throw sdbus::Error(errors::kInvalidArgument, "invalid signal '" + text + "': " + e.what());
    }
}

OutputStream streamArgument(const std::string& text) {
    if (text == "stdout") return OutputStream::Stdout;
    if (text == "stderr") return OutputStream::Stderr;
    throw sdbus::Error(errors::kInvalidArgument,
                       "stream must be \"stdout\" or \"stderr\", not '" + text + "'");
}

}  // namespace sup::bus
