#include "ServiceSpec.h"

#include "SignalNames.h"

namespace sup {

std::vector<std::string> ServiceSpec::instanceNames() const {
    if (numprocs == 1) return {name};
    std::vector<std::string> names;
    names.reserve(numprocs);
    for (unsigned i = 0; i < numprocs; ++i) names.push_back(name + "@" + std::to_string(i));
    return names;
}

StreamCapture ServiceSpec::capture() const {
    const bool byReadiness = ready.kind == ProbeKind::LogLine;
    StreamCapture c;
    c.out = byReadiness || stdoutTarget.kind != LogTarget::Kind::Null;
    c.errIntoOut = stderrTarget.kind == LogTarget::Kind::Stdout;
    c.err = c.errIntoOut ? c.out : byReadiness || stderrTarget.kind != LogTarget::Kind::Null;
    return c;
}

bool ServiceSpec::sameExec(const ServiceSpec& other) const {
    // Which streams have a pipe is the child's fds 1 and 2, fixed at exec; where a piped stream's
    // bytes go is the daemon's side and switches live (as do the rest of the targets and readiness).
    if (capture() != other.capture()) return false;
    // Copy `other`'s live settings over a copy of this one and compare the rest: going through
    // operator== means a field added to ServiceSpec later restarts the process until someone decides
    // it can be applied in place (the safe default).
    ServiceSpec a = *this;
    const ServiceSpec& b = other;
    a.where = b.where;
    a.numprocs = b.numprocs;  // decides which instances exist, not how one runs
    a.autostart = b.autostart;
    a.restart = b.restart;
    a.successExitCodes = b.successExitCodes;
    a.startSeconds = b.startSeconds;
    a.startRetries = b.startRetries;
    a.backoff = b.backoff;
    a.stopSignal = b.stopSignal;
    a.stopTimeout = b.stopTimeout;
    a.killGroup = b.killGroup;
    a.priority = b.priority;
    a.timestamps = b.timestamps;
    // How readiness and liveness are judged, and the dependency edges, are the daemon's side. Except
    // ready: notify and watchdog, which the child sees at exec (NOTIFY_SOCKET, WATCHDOG_USEC).
    if ((a.ready.kind == ProbeKind::Notify) == (b.ready.kind == ProbeKind::Notify)) a.ready = b.ready;
    a.readyTimeout = b.readyTimeout;
    a.health = b.health;
    a.required = b.required;
    a.wanted = b.wanted;
    a.after = b.after;
    a.stdoutTarget = b.stdoutTarget;
    a.stderrTarget = b.stderrTarget;
    return a == b;
}

std::string toString(RestartMode mode) {
    switch (mode) {
        case RestartMode::Always:
            return "always";
        case RestartMode::OnFailure:
            return "on-failure";
        case RestartMode::Never:
            return "never";
    }
    return "always";
}

std::string toString(ProbeKind kind) {
    switch (kind) {
        case ProbeKind::Started:
            return "started";
        case ProbeKind::Notify:
            return "notify";
        case ProbeKind::Tcp:
            return "tcp";
        case ProbeKind::Http:
            return "http";
        case ProbeKind::Exec:
            return "exec";
        case ProbeKind::LogLine:
            return "log_line";
    }
    return "started";
}

std::string toString(ServiceType type) {
    return type == ServiceType::Oneshot ? "oneshot" : "simple";
}

std::string signalName(int sig) {
    return config::standardSignalName(sig).value_or("SIG" + std::to_string(sig));
}

}  // namespace sup
