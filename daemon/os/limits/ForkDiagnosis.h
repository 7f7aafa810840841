// The one line an operator reads when fork() or exec() of a service failed: the errno, the limit
// that most likely refused it with its numbers, and who uses that limit up.
//   "EAGAIN (Resource temporarily unavailable): pids cgroup /x 64/64 (pids.max, refused 12 times); top: sleep
//   60"
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/LimitsReport.h"

namespace sup::os::limits {

// "EAGAIN", "ENOMEM", ...; "errno 123" for numbers the C library has no name for.
std::string errnoName(int err);

// Picks, among the dimensions that can refuse this failure, the fullest one and describes it.
// Process-count failures (EAGAIN, ENOMEM) look at the pids cgroup, RLIMIT_NPROC of `serviceUid`
// (checked at execve() after setuid) and of `daemonUid` (checked at fork()), threads-max and
// pid_max; EMFILE/ENFILE look at the daemon's RLIMIT_NOFILE. A dimension counts as the cause when it
// is at 90 % or has at most one task left; otherwise the line says no limit is near exhaustion.
std::string describeForkFailure(const LimitsReport& report, int err, std::optional<uid_t> serviceUid,
                                std::optional<uid_t> daemonUid);

}  // namespace sup::os::limits
