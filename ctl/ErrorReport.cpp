#include "ctl/ErrorReport.h"

#include <array>

#include "ctl/ExitCode.h"

namespace sup::ctl {

namespace {

// Errors that mean "nobody answers at io.supervisord", from the bus or from the socket.
bool isUnreachable(const std::string& name) {
    static const std::array<const char*, 9> names = {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoServer",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.FileNotFound",
        "System.Error.ENOENT",
        "System.Error.ECONNREFUSED",
        "System.Error.ECONNRESET",
        "System.Error.ENOMEDIUM",
    };
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

std::string orName(const std::string& message, const std::string& name) {
    return message.empty() ? name : message;
}

}  // namespace

std::string BusTarget::describe() const {
    switch (kind) {
        case BusKind::Session:
            return "the session bus";
        case BusKind::Remote:
            return "the system bus of " + host;
        case BusKind::System:
            break;
    }
    return "the system bus";
}

std::string BusTarget::unreachableHint() const {
    switch (kind) {
        case BusKind::Session:
            return "(is it running? try without --user)";
        case BusKind::Remote:
            return "(is it running on " + host + "? can you ssh there?)";
        case BusKind::System:
            break;
    }
    return "(is it running? try --user)";
}

Failure connectFailure(const std::string& errorName, const std::string& errorMessage,
                       const BusTarget& target) {
    return {kExitFailure,
            "cannot reach supervisord on " + target.describe() + ": " + orName(errorMessage, errorName) +
                " " + target.unreachableHint(),
            true};
}

Failure callFailure(const std::string& errorName, const std::string& errorMessage, const BusTarget& target) {
    using namespace bus_errors;
    const std::string what = orName(errorMessage, errorName);
    if (errorName == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        errorName == "org.freedesktop.DBus.Error.NameHasNoOwner")
        return {kExitFailure,
                "cannot reach supervisord on " + target.describe() + ": io.supervisord is not on the bus " +
                    target.unreachableHint(),
                true};
    if (isUnreachable(errorName)) return connectFailure(errorName, errorMessage, target);
    if (errorName == kNoSuchProcess) return {kExitNoSuchProcess, what};
    if (errorName == kAccessDenied) {
        // The daemon names read_groups only when reading output (tail, doctor) was refused.
        if (what.find("read_groups") != std::string::npos)
            return {kExitFailure,
                    what +
                        " (reading output needs root, e.g. sudo, or membership in a group listed in "
                        "supervisor.read_groups or supervisor.control_groups)"};
        return {kExitFailure,
                what +
                    " (changing state needs root, e.g. sudo, or membership in a group listed in "
                    "supervisor.control_groups)"};
    }
    if (errorName == kInvalidArgument) return {kExitUsage, what};
    if (errorName == kInvalidConfig) return {kExitFailure, "configuration refused: " + what};
    if (errorName == kNoReply) return {kExitFailure, "supervisord did not answer: " + what};
    if (errorName == "org.freedesktop.DBus.Error.UnknownMethod" ||
        errorName == "org.freedesktop.DBus.Error.UnknownInterface")
        return {kExitFailure,
                "supervisord does not know this request; is it older than supctl? (" + what + ")"};
    return {kExitFailure, what};
}

int exitCodeFor(const std::string& command, const Failure& f) {
    const bool statusQuery = command == "status" || command == "is-active" || command == "is-failed";
    return f.unreachable && statusQuery ? kExitStatusUnknown : f.exitCode;
}

}  // namespace sup::ctl
