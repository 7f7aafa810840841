// Which Process1 properties a state change moves, for PropertiesChanged. Pure.
//
// Only the signalled properties are kept per instance (SignalledValues), not a whole ProcessInfo:
// the definition and the dependency lists are documented as not signalled (io.supervisord.xml), so
// nothing needs to remember them.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/Control.h"

namespace sup::bus {

struct SignalledValues {
    ProcessState state = ProcessState::Stopped;
    pid_t pid = 0;
    unsigned restarts = 0;
    int exitStatus = -1;
    int sourceLine = 0;
    int priority = 0;
    std::int64_t startedAtUsec = 0;
    std::int64_t stateSinceUsec = 0;
    std::int64_t nextStartUsec = 0;
    std::uint64_t cpuUsec = 0;
    long maxRssKiB = 0;
    std::string lastExit;
    std::string spawnError;
    std::string reason;
    std::string command;
    std::string sourceFile;
    std::string readyState;
    std::string notifyStatus;

    static SignalledValues of(const ProcessInfo& info);
};

// The signalled properties of Process1, in the order PropertiesChanged lists them. Bit i of a mask
// below stands for kSignalledProperties[i].
inline constexpr std::array<const char*, 18> kSignalledProperties = {
    "State",   "Pid",        "Restarts",   "ExitStatus", "LastExit",   "SpawnError",
    "Reason",  "StartedAt",  "StateSince", "NextStart",  "CpuUsec",    "MaxRssKiB",
    "Command", "SourceFile", "SourceLine", "Priority",   "ReadyState", "NotifyStatus"};

// Which signalled properties differ between two snapshots, as a mask.
std::uint32_t changedMask(const SignalledValues& before, const SignalledValues& after);
// The property names (of Process1) whose values differ between two snapshots.
std::vector<std::string> changedProperties(const SignalledValues& before, const SignalledValues& after);
std::vector<std::string> changedProperties(const ProcessInfo& before, const ProcessInfo& after);

}  // namespace sup::bus
