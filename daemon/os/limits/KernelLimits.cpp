#include "os/limits/KernelLimits.h"

#include "os/limits/Percent.h"
#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

std::vector<LimitConsumer> machineTop(const ProcessTable& table) {
    ConsumerTally tally;
    for (const auto& p : table.processes) tally.add(p.comm, p.threads);
    return tally.top();
}

std::optional<LimitDimension> probeSysctl(const FsRoot& fs, const ProcessTable& table, const char* id,
                                          const char* title, const char* file) {
    auto text = fs.read(file);
    if (!text) return std::nullopt;
    auto limit = parseU64(*text);
    if (!limit) return std::nullopt;
    LimitDimension d;
    d.id = id;
    d.title = title;
    d.used = table.totalThreads;
    d.limit = *limit;
    d.percent = percentOf(d.used, d.limit);
    d.source = fs.path(file);
    d.top = machineTop(table);
    return d;
}

}  // namespace

std::optional<LimitDimension> probeThreadsMax(const FsRoot& fs, const ProcessTable& table) {
    // Inside a pid namespace /proc shows only that namespace's tasks while the limit is global, so
    // the count can be low there; on a host it is exact.
    return probeSysctl(fs, table, "threads-max", "kernel threads-max", "proc/sys/kernel/threads-max");
}

std::optional<LimitDimension> probePidMax(const FsRoot& fs, const ProcessTable& table) {
    return probeSysctl(fs, table, "pid-max", "kernel pid_max", "proc/sys/kernel/pid_max");
}

}  // namespace sup::os::limits
