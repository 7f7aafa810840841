// One reading of every limit that can refuse a fork: a single pass over /proc, then each dimension.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "core/LimitsReport.h"
#include "os/limits/FsRoot.h"
#include "os/limits/ProcTable.h"

namespace sup::os::limits {

struct ProbeRequest {
    pid_t self = 0;  // the daemon: its cgroup, its rlimits, its descriptors
    unsigned warnPercent = 80;
    std::vector<uid_t> serviceUids;  // one "nproc:uid=N" each, besides the daemon's own uid
};

// Dimensions in a fixed order: pids-cgroup, nproc:uid=<daemon's>, nproc for the other uids in
// ascending order, threads-max, pid-max, nofile. Dimensions whose files are missing are left out.
LimitsReport probeLimits(const FsRoot& fs, const ProbeRequest& request);
// The same from a process table the caller already has.
LimitsReport probeLimits(const FsRoot& fs, const ProbeRequest& request, const ProcessTable& table);

// The dimension with the highest percent at or over `warnPercent`; "" when none is. Ties go to the
// one listed first.
std::string chooseBinding(const std::vector<LimitDimension>& dimensions, unsigned warnPercent);

// The real uid of the daemon: from the table, else from proc/<self>/status (a table without a /proc
// scan holds no processes), else (host root only) getuid().
std::optional<uid_t> daemonUid(const FsRoot& fs, pid_t self, const ProcessTable& table);

}  // namespace sup::os::limits
