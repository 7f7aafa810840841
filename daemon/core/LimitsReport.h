// A reading of every process-count and descriptor limit that can make fork() or open() fail.
// Pure data: daemon/os/limits fills it, the supervisor, the bus and supctl show it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sup {

struct LimitConsumer {
    std::string command;      // comm of the processes, e.g. "ssh"
    std::uint64_t count = 0;  // processes (or threads, for thread dimensions) with that command
};

struct LimitDimension {
    std::string id;     // stable key: "nproc:uid=1000", "pids-cgroup", "threads-max", "pid-max", "nofile"
    std::string title;  // for people: "RLIMIT_NPROC of uid 1000 (alice)"
    std::uint64_t used = 0;
    std::uint64_t limit = 0;         // 0 = unlimited
    double percent = 0;              // used/limit*100, 0 when unlimited
    std::uint64_t hitCount = 0;      // times the limit refused a fork (pids.events "max"), when known
    std::vector<LimitConsumer> top;  // biggest consumers first, at most 5
    std::string source;  // where the numbers came from: "/sys/fs/cgroup/pids/x/pids.max", "getrlimit", ...
    std::string note;    // e.g. "limits.conf would set 4096 for this user at login"
};

// Whether a dimension is at or over the warning threshold: only a known limit can be (0 is unlimited),
// and a percentage exactly at the threshold counts. LimitsWatch warns by this rule and the cheap bound
// before a probe rules dimensions out by it, so the two cannot disagree.
inline bool atOrOverThreshold(const LimitDimension& d, unsigned warnPercent) {
    return d.limit != 0 && d.percent >= static_cast<double>(warnPercent);
}

struct LimitsReport {
    std::vector<LimitDimension> dimensions;
    unsigned warnPercent = 80;
    std::string bindingId;  // the dimension most likely to refuse a fork now ("" = none near its limit)

    const LimitDimension* binding() const {
        for (auto& d : dimensions)
            if (d.id == bindingId) return &d;
        return nullptr;
    }
};

}  // namespace sup
