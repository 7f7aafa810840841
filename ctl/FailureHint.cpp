#include "ctl/FailureHint.h"

namespace sup::ctl {

namespace {

bool startsWith(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

// "exit 1", "signal KILL": the program's own end. The daemon words an exit that was a failed exec
// after the failure ("exec: No such file or directory").
bool programEnded(const std::string& lastExit) {
    return startsWith(lastExit, "exit ") || startsWith(lastExit, "signal ");
}

}  // namespace

FailureKind classifyFailure(const ProcessRecord& p) {
    if (!p.spawnError.empty() && !programEnded(p.lastExit)) {
        const bool pressure = startsWith(p.spawnError, "fork") ||
                              p.reason.find("waiting for the limit to clear") != std::string::npos ||
                              p.spawnError.find("EAGAIN") != std::string::npos;
        return pressure ? FailureKind::ForkRefused : FailureKind::NeverRan;
    }
    if (!p.lastExit.empty()) return FailureKind::ProgramExit;
    return FailureKind::Unknown;
}

std::string failureNotes(const ProcessRecord& p, const std::string& reason) {
    std::string out;
    const FailureKind kind = classifyFailure(p);
    if (!p.spawnError.empty() && kind != FailureKind::ProgramExit &&
        reason.find(p.spawnError) == std::string::npos)
        out += "  spawn error: " + p.spawnError + "\n";
    if (kind == FailureKind::ProgramExit) out += "  last exit: " + p.lastExit + "\n";
    switch (kind) {
        case FailureKind::ForkRefused:
            out += "  see: supctl limits (which process limit refuses the fork)\n";
            break;
        case FailureKind::NeverRan:
            out +=
                "  the program never ran, so it wrote no output; the error above is also in 'supctl status " +
                p.name + "' and in supervisord's log\n";
            out += "  see: supctl cat " + p.name + " (the command, user and directory it was started with)\n";
            break;
        case FailureKind::ProgramExit:
            out += "  see: supctl tail --stderr " + p.name + " (what it wrote before it ended)\n";
            break;
        case FailureKind::Unknown:
            out += "  see: supctl status " + p.name + "\n";
            break;
    }
    return out;
}

}  // namespace sup::ctl
