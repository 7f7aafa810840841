#include "bus/ProcessChanges.h"

#include <iterator>

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
    v.notifyStatus = info.notifyStatus;
    return v;
}

std::uint32_t changedMask(const SignalledValues& a, const SignalledValues& b) {
    // In the order of kSignalledProperties. Requires, Wants, After and RequiredBy are documented as not
    // signalled.
    const bool differs[] = {a.state != b.state,
                            a.pid != b.pid,
                            a.restarts != b.restarts,
                            a.exitStatus != b.exitStatus,
                            a.lastExit != b.lastExit,
                            a.spawnError != b.spawnError,
                            a.reason != b.reason,
                            a.startedAtUsec != b.startedAtUsec,
                            a.stateSinceUsec != b.stateSinceUsec,
                            a.nextStartUsec != b.nextStartUsec,
                            a.cpuUsec != b.cpuUsec,
                            a.maxRssKiB != b.maxRssKiB,
                            a.command != b.command,
                            a.sourceFile != b.sourceFile,
                            a.sourceLine != b.sourceLine,
                            a.priority != b.priority,
                            a.readyState != b.readyState,
                            a.notifyStatus != b.notifyStatus};
    static_assert(std::size(differs) == kSignalledProperties.size());
    std::uint32_t mask = 0;
    for (std::size_t i = 0; i < std::size(differs); ++i)
        if (differs[i]) mask |= std::uint32_t{1} << i;
    return mask;
}

std::vector<std::string> changedProperties(const SignalledValues& a, const SignalledValues& b) {
    const std::uint32_t mask = changedMask(a, b);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kSignalledProperties.size(); ++i)
        if (mask & (std::uint32_t{1} << i)) out.emplace_back(kSignalledProperties[i]);
    return out;
}

std::vector<std::string> changedProperties(const ProcessInfo& before, const ProcessInfo& after) {
    return changedProperties(SignalledValues::of(before), SignalledValues::of(after));
}

}  // namespace sup::bus
