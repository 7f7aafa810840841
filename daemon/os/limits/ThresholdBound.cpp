#include "os/limits/ThresholdBound.h"

#include <string>

#include "os/limits/KernelLimits.h"
#include "os/limits/Percent.h"
#include "os/limits/PidsCgroup.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/ProcTable.h"
#include "os/limits/RlimitDimensions.h"

namespace sup::os::limits {
namespace {

// RLIMIT_NPROC against the machine's task count, as a dimension reports it (unlimited is 0): the most
// that the tasks of any uid can reach.
LimitDimension nprocBound(std::uint64_t tasks, std::uint64_t limit) {
    LimitDimension d;
    d.used = tasks;
    d.limit = limit == kUnlimited ? 0 : limit;
    d.percent = percentOf(d.used, d.limit);
    return d;
}

}  // namespace

std::optional<std::uint64_t> parseLoadavgTasks(std::string_view text) {
    for (int field = 0; field < 3; ++field) {
        auto space = text.find(' ');
        if (space == std::string_view::npos) return std::nullopt;
        text.remove_prefix(space + 1);
    }
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    text.remove_prefix(slash + 1);
    return parseU64(text.substr(0, text.find(' ')));
}

bool certainlyUnderThreshold(const FsRoot& fs, const ProbeRequest& request) {
    const auto loadavg = fs.read("proc/loadavg");
    const auto tasks = loadavg ? parseLoadavgTasks(*loadavg) : std::nullopt;
    if (!tasks) return false;
    const unsigned warn = request.warnPercent;

    // No /proc scan: a table holding only the machine's task count. The pids-cgroup probe counts every
    // task with it when the hierarchy root has no pids.current; the kernel dimensions always do.
    ProcessTable noScan;
    noScan.totalThreads = *tasks;
    if (auto d = probePidsCgroup(fs, request.self, noScan, PidsConsumers::Skip);
        d && atOrOverThreshold(*d, warn))
        return false;

    const auto rlimits = readProcessRlimits(fs, request.self);
    if (rlimits.nproc) {
        const auto own = daemonUid(fs, request.self, noScan);
        if (!own) return false;
        bool anyUser = *own != 0;  // uid 0 is exempt, as probeNproc reports it
        for (uid_t uid : request.serviceUids) anyUser = anyUser || uid != 0;
        if (anyUser && atOrOverThreshold(nprocBound(*tasks, rlimits.nproc->soft), warn)) return false;
    }

    for (auto probe : {probeThreadsMax, probePidMax})
        if (auto d = probe(fs, noScan); d && atOrOverThreshold(*d, warn)) return false;

    const auto fds = probeNofile(fs, request.self, rlimits.nofile, std::string());
    return !atOrOverThreshold(fds, warn);
}

}  // namespace sup::os::limits
