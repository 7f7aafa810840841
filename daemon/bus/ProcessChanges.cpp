#include "bus/ProcessChanges.h"

namespace sup::bus {

SignalledValues SignalledValues::of(const ProcessInfo& info) {
    SignalledValues v;
    v.state = info.state;
    v.pid = info.pid;
    v.restarts = info.restarts;
    v.exitStatus = info.exitStatus;
    v.sourceLine = info.sourceLine;
    v.priority = info.priority;
    v.startedAtUsec = info.startedAtUsec;
    v.stateSinceUsec = info.stateSinceUsec;
    v.nextStartUsec = info.nextStartUsec;
    v.cpuUsec = info.cpuUsec;
    v.maxRssKiB = info.maxRssKiB;
    v.lastExit = info.lastExit;
    v.spawnError = info.spawnError;
    v.reason = info.reason;
    v.command = info.command;
    v.sourceFile = info.sourceFile;
    v.readyState = info.readyState;
    return v;
}

std::vector<std::string> changedProperties(const SignalledValues& a, const SignalledValues& b) {
    std::vector<std::string> out;
    auto check = [&](bool differs, const char* property) {
        if (differs) out.emplace_back(property);
    };
    check(a.state != b.state, "State");
    check(a.pid != b.pid, "Pid");
    check(a.restarts != b.restarts, "Restarts");
    check(a.exitStatus != b.exitStatus, "ExitStatus");
    check(a.lastExit != b.lastExit, "LastExit");
    check(a.spawnError != b.spawnError, "SpawnError");
    check(a.reason != b.reason, "Reason");
    check(a.startedAtUsec != b.startedAtUsec, "StartedAt");
    check(a.stateSinceUsec != b.stateSinceUsec, "StateSince");
    check(a.nextStartUsec != b.nextStartUsec, "NextStart");
    check(a.cpuUsec != b.cpuUsec, "CpuUsec");
    check(a.maxRssKiB != b.maxRssKiB, "MaxRssKiB");
    check(a.command != b.command, "Command");
    check(a.sourceFile != b.sourceFile, "SourceFile");
    check(a.sourceLine != b.sourceLine, "SourceLine");
    check(a.priority != b.priority, "Priority");
    // Requires, Wants, After, RequiredBy and NotifyStatus are documented as not signalled.
    check(a.readyState != b.readyState, "ReadyState");
    return out;
}

std::vector<std::string> changedProperties(const ProcessInfo& before, const ProcessInfo& after) {
    return changedProperties(SignalledValues::of(before), SignalledValues::of(after));
}

}  // namespace sup::bus
