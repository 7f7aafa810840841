// One pass over /proc/<pid>/status for every process: the shared input of every limit dimension and
// of the process doctor, so a probe reads each process exactly once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/limits/FsRoot.h"

namespace sup::os::limits {

struct ProcessEntry {
    pid_t pid = 0;
    pid_t ppid = 0;
    uid_t realUid = 0;  // the kernel charges RLIMIT_NPROC to the real uid
    char state = '?';   // 'R', 'S', 'Z', ...
    std::uint64_t threads = 1;
    std::string comm;
};

struct ProcessTable {
    std::vector<ProcessEntry> processes;  // sorted by pid
    std::uint64_t totalThreads = 0;       // every task (thread) on the machine, as the kernel counts them

    const ProcessEntry* find(pid_t pid) const;
};

// Parses the text of /proc/<pid>/status (Name, State, PPid, Uid, Threads). nullopt when Uid is missing.
std::optional<ProcessEntry> parseStatus(pid_t pid, std::string_view text);

// Reads <root>/proc/<pid>/status for every process. Processes that exit during the scan are skipped.
// When a status file has no Name: line, <root>/proc/<pid>/comm supplies the command.
ProcessTable scanProcesses(const FsRoot& fs);

}  // namespace sup::os::limits
