// The daemon's own rlimits as limit dimensions: RLIMIT_NPROC per uid ("nproc:uid=N") and
// RLIMIT_NOFILE of the daemon ("nofile").
//
// Services do not pass through PAM and supervisord sets no rlimits of its own, so every service
// inherits the daemon's limits: the daemon's RLIMIT_NPROC is the one that makes fork() (counted for
// the daemon's uid) or execve() after setuid() (counted for the service's uid) fail with EAGAIN.
#pragma once

#include <sys/types.h>

#include <optional>

#include "core/LimitsReport.h"
#include "os/limits/FsRoot.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/ProcTable.h"

namespace sup::os::limits {

// "nproc:uid=N": tasks (processes and threads) whose real uid is `uid`, against `limit` (the
// daemon's RLIMIT_NPROC; nullopt when unknown). Root is exempt, so its percent is 0. The note tells
// when /etc/security/limits.conf would give that user a different value at login.
LimitDimension probeNproc(const FsRoot& fs, uid_t uid, const std::optional<RlimitValue>& limit,
                          const ProcessTable& table, const std::string& limitSource);

// "nofile": descriptors open in process `self` against its RLIMIT_NOFILE.
LimitDimension probeNofile(const FsRoot& fs, pid_t self, const std::optional<RlimitValue>& limit,
                           const std::string& limitSource);

// Number of descriptors open in `pid` (entries of /proc/<pid>/fd), nullopt when unreadable.
std::optional<std::uint64_t> countOpenFds(const FsRoot& fs, pid_t pid);

}  // namespace sup::os::limits
