// The machine-wide task limits: kernel.threads-max (how many tasks may exist) and kernel.pid_max
// (how many pids there are to hand out). fork() and clone() fail with EAGAIN at either.
#pragma once

#include <optional>

#include "core/LimitsReport.h"
#include "os/limits/FsRoot.h"
#include "os/limits/ProcTable.h"

namespace sup::os::limits {

// "threads-max": every task on the machine against /proc/sys/kernel/threads-max.
std::optional<LimitDimension> probeThreadsMax(const FsRoot& fs, const ProcessTable& table);

// "pid-max": tasks (each holds a pid, threads too) against /proc/sys/kernel/pid_max.
std::optional<LimitDimension> probePidMax(const FsRoot& fs, const ProcessTable& table);

}  // namespace sup::os::limits
