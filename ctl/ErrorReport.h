// Turns a D-Bus error into what supctl tells the user and its exit code. Pure (names and messages
// in, text out), so every mapping is unit-tested.
#pragma once

#include <string>

#include "ctl/CommandLine.h"
#include "daemon/bus/ErrorNames.h"

namespace sup::ctl {

// Which bus supctl talks to, for messages ("the system bus of web1").
struct BusTarget {
    BusKind kind = BusKind::System;
    std::string host;
    std::string describe() const;
    std::string unreachableHint() const;  // "(is it running? try --user)"
};

struct Failure {
    int exitCode;
    std::string message;       // without the "supctl: " prefix
    bool unreachable = false;  // nobody answers at io.supervisord (no bus, or not on it)
};

// An error raised while opening the bus connection: always "cannot reach".
Failure connectFailure(const std::string& errorName, const std::string& errorMessage,
                       const BusTarget& target);

// An error reply to a call.
Failure callFailure(const std::string& errorName, const std::string& errorMessage, const BusTarget& target);

// The exit code of `command` for a failure: the status queries (status, is-active, is-failed) exit
// kExitStatusUnknown when the daemon cannot be reached, every other command f.exitCode.
int exitCodeFor(const std::string& command, const Failure& f);

namespace bus_errors {
using namespace sup::bus::errors;  // the daemon's error names
inline constexpr const char* kNoReply = "org.freedesktop.DBus.Error.NoReply";
}  // namespace bus_errors

}  // namespace sup::ctl
