// Whether every limit is certainly under the warning threshold, decided without a /proc scan.
//
// The threshold check runs after spawns, at most once per 10 s. A full probe reads /proc/<pid>/status
// of every process on the machine: about 15 us each, and every read leaves /proc dentries that the
// kernel invalidates when that process is reaped (17% of the daemon's CPU at a shutdown of 1,000
// services). Usually every limit is far away, and one number bounds every count a probe makes: no
// dimension counts more tasks than the machine has (nr_threads, from /proc/loadavg). Only when that
// bound comes within the threshold of a limit is the exact probe needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "os/limits/FsRoot.h"
#include "os/limits/LimitsProbe.h"

namespace sup::os::limits {

// The number of tasks on the machine: the part after '/' of the 4th field of /proc/loadavg
// ("0.00 0.01 0.05 1/123 4567"). nullopt for anything else.
std::optional<std::uint64_t> parseLoadavgTasks(std::string_view text);

// True only when every dimension probeLimits(fs, request) would report is below
// request.warnPercent: pids cgroups from their pids.current (exact), RLIMIT_NPROC of each uid and the
// kernel's threads-max and pid_max against the machine's task count (an upper bound; uid 0 is exempt
// from RLIMIT_NPROC), RLIMIT_NOFILE from the daemon's own descriptors (exact). False whenever a value
// cannot be read: the caller then runs the full probe.
bool certainlyUnderThreshold(const FsRoot& fs, const ProbeRequest& request);

}  // namespace sup::os::limits
