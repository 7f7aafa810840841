// How many processes the kernel's OOM killer has killed in the daemon's memory cgroup, where every
// service runs: a child that died of SIGKILL while this grew was most likely one of them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "os/limits/FsRoot.h"

namespace sup::os::limits {

// The counter of `self`'s memory cgroup: memory.events on v2 (it counts the whole subtree), else
// memory.oom_control on v1 (kernel 4.13 and later). nullopt when there is no memory controller or the
// file cannot be read.
std::optional<std::uint64_t> readOomKills(const FsRoot& fs, pid_t self);

}  // namespace sup::os::limits
