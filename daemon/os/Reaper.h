// Collecting exited children. SIGCHLD coalesces, so one signal may stand for many exits: always reap
// everything that is ready.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <vector>

#include "core/ExitStatus.h"

namespace sup::os {

struct ReapedChild {
    pid_t pid = -1;
    int status = 0;  // raw wait status
    rusage usage{};
};

// Every child that has ended, without blocking. Empty when none has (or there are no children).
// Throws std::system_error on unexpected wait4 errors.
std::vector<ReapedChild> reapAll();

// The wait status decoded, with the CPU time and peak RSS from rusage.
ExitStatus toExitStatus(const ReapedChild& child);

// Orphaned grandchildren (a service that double-forks) are re-parented to us instead of to PID 1, so
// we can reap them. Throws std::system_error.
void becomeSubreaper();

}  // namespace sup::os
