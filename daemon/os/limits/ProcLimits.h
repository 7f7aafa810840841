// The resource limits of a process as /proc/<pid>/limits shows them.
//
// Reading the file rather than calling getrlimit() works for any process (the doctor looks at
// services, not at the daemon) and for a fake tree in tests; the kernel prints the same values
// getrlimit/prlimit would return.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "os/limits/FsRoot.h"

namespace sup::os::limits {

struct RlimitValue {
    std::uint64_t soft = kUnlimited;  // the one the kernel enforces
    std::uint64_t hard = kUnlimited;
};

struct ProcessRlimits {
    std::optional<RlimitValue> nproc;   // "Max processes"  (RLIMIT_NPROC)
    std::optional<RlimitValue> nofile;  // "Max open files" (RLIMIT_NOFILE)
};

// Parses the text of /proc/<pid>/limits. Rows that are missing or malformed stay nullopt.
ProcessRlimits parseProcLimits(std::string_view text);

// Reads <root>/proc/<pid>/limits; on the host root, falls back to getrlimit() when `pid` is the
// calling process and the file cannot be read.
ProcessRlimits readProcessRlimits(const FsRoot& fs, pid_t pid);

}  // namespace sup::os::limits
