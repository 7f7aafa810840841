// What commonly breaks a running process, read from /proc: stdio descriptors left in non-blocking
// mode, descriptors inherited from supervisord, zombie children it does not reap, its user's process
// budget, its own descriptor budget, and a stuck state.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/limits/FsRoot.h"
#include "os/limits/ProcTable.h"

namespace sup::os::limits {

struct Finding {
    std::string severity;  // "warning" or "error"
    std::string what;
    std::string fix;
};

// The "flags:" field of /proc/<pid>/fdinfo/<fd> (octal), nullopt when missing.
std::optional<unsigned> parseFdinfoFlags(std::string_view fdinfo);

// Findings about `pid`; `table` is a scan of the same root. `daemon` is supervisord's own pid, used
// to spot descriptors the process shares with it. Budgets count as near at `nearPercent`.
std::vector<Finding> examineProcess(const FsRoot& fs, pid_t pid, const ProcessTable& table,
                                    std::optional<pid_t> daemon, unsigned nearPercent = 80);

}  // namespace sup::os::limits
