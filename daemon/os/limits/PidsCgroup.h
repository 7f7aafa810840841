// The pids cgroup limit over the daemon (cgroup v1 "pids" hierarchy or v2 unified). Under systemd
// this is the unit's TasksMax=, which systemd writes to the unit cgroup's pids.max.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/LimitsReport.h"
#include "os/limits/FsRoot.h"
#include "os/limits/ProcTable.h"

namespace sup::os::limits {

struct CgroupLocation {
    std::string base;  // hierarchy mount, relative to the root: "sys/fs/cgroup/pids" or "sys/fs/cgroup"
    std::string path;  // the cgroup inside it: "/system.slice/supervisord.service"
    bool v2 = false;
};

// One row of /proc/<pid>/mountinfo, only the fields the cgroup lookup needs.
struct MountEntry {
    std::string root;          // the path inside the filesystem that is mounted ("/" or "/docker/abc")
    std::string mountPoint;    // "/sys/fs/cgroup/pids"
    std::string fsType;        // "cgroup", "cgroup2"
    std::string superOptions;  // "rw,pids"
};
std::vector<MountEntry> parseMountinfo(std::string_view text);

// Where the pids controller accounts `pid`, from /proc/<pid>/cgroup and /proc/<pid>/mountinfo (the
// usual mount points when there is no mountinfo); nullopt when it is not accounted.
std::optional<CgroupLocation> locatePidsCgroup(const FsRoot& fs, pid_t pid);
// The cgroup's directory relative to the root ("sys/fs/cgroup/memory/supervisord").
std::string cgroupDirectory(const CgroupLocation& loc);
// The same for any controller ("memory", "pids"); v2 when the unified hierarchy has it enabled.
std::optional<CgroupLocation> locateControllerCgroup(const FsRoot& fs, pid_t pid,
                                                     const std::string& controller);

// Dimension "pids-cgroup": the cgroup on the path from the daemon's up to the hierarchy root whose
// pids.max leaves the least room (pids.current counts the whole subtree, so any ancestor can be the
// one that refuses), with its pids.events "max" count and top commands in its subtree. Without any
// pids.max on that path the dimension is there with limit 0 (unlimited). nullopt when the daemon is
// in no pids hierarchy. With PidsConsumers::Skip the top commands are left empty (they need a /proc
// scan in `table`, and walking the subtree's cgroup.procs).
enum class PidsConsumers { List, Skip };
std::optional<LimitDimension> probePidsCgroup(const FsRoot& fs, pid_t self, const ProcessTable& table,
                                              PidsConsumers consumers = PidsConsumers::List);

// "supervisord.service" for "/system.slice/supervisord.service"; "" when the last component is not
// a systemd unit.
std::string systemdUnitOf(std::string_view cgroupPath);

}  // namespace sup::os::limits
