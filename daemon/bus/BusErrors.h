// The named D-Bus errors of io.supervisord, and the one place where C++ exceptions become them.
// sdbus-c++ 1.2 only turns sdbus::Error into an error reply; any other exception escaping a handler
// reaches std::terminate and takes the daemon down. So every handler body runs inside guarded().
#pragma once

#include <exception>
#include <string>

#include <sdbus-c++/Error.h>

#include "bus/ErrorNames.h"
#include "supervisor/Control.h"

namespace sup::bus {

const char* errorNameOf(ControlError::Kind kind);

// The D-Bus error for an exception caught by a handler: sdbus::Error passes unchanged,
// ControlError maps by kind, anything else becomes Failed with its what().
sdbus::Error toBusError(std::exception_ptr error);

// Runs a handler body; whatever it throws leaves as an sdbus::Error.
template <typename Body>
auto guarded(Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (...) {
        throw toBusError(std::current_exception());
    }
}

}  // namespace sup::bus
