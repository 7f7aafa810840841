#include "os/limits/LimitsProbe.h"

#include <unistd.h>

#include <algorithm>
#include <string>

#include "os/limits/KernelLimits.h"
#include "os/limits/PidsCgroup.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/RlimitDimensions.h"

namespace sup::os::limits {

std::optional<uid_t> daemonUid(const FsRoot& fs, pid_t self, const ProcessTable& table) {
    if (const ProcessEntry* e = table.find(self)) return e->realUid;
    if (auto status = fs.read("proc/" + std::to_string(self) + "/status"))
        if (auto entry = parseStatus(self, *status)) return entry->realUid;
    if (fs.isHostRoot() && self == ::getpid()) return ::getuid();
    return std::nullopt;
}

LimitsReport probeLimits(const FsRoot& fs, const ProbeRequest& request) {
    return probeLimits(fs, request, scanProcesses(fs));
}

LimitsReport probeLimits(const FsRoot& fs, const ProbeRequest& request, const ProcessTable& table) {
    LimitsReport report;
    report.warnPercent = request.warnPercent;
    auto& dims = report.dimensions;

    if (auto d = probePidsCgroup(fs, request.self, table)) dims.push_back(std::move(*d));

    const auto rlimits = readProcessRlimits(fs, request.self);
    const std::string limitsSource = fs.path("proc/" + std::to_string(request.self) + "/limits") +
                                     " (supervisord's, inherited by services)";
    std::vector<uid_t> uids = request.serviceUids;
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    if (auto own = daemonUid(fs, request.self, table)) {
        std::erase(uids, *own);
        uids.insert(uids.begin(), *own);
    }
    for (uid_t uid : uids) dims.push_back(probeNproc(fs, uid, rlimits.nproc, table, limitsSource));

    if (auto d = probeThreadsMax(fs, table)) dims.push_back(std::move(*d));
    if (auto d = probePidMax(fs, table)) dims.push_back(std::move(*d));
    dims.push_back(probeNofile(fs, request.self, rlimits.nofile, limitsSource));

    report.bindingId = chooseBinding(dims, request.warnPercent);
    return report;
}

std::string chooseBinding(const std::vector<LimitDimension>& dimensions, unsigned warnPercent) {
    const LimitDimension* best = nullptr;
    for (const auto& d : dimensions) {
        if (!atOrOverThreshold(d, warnPercent) || d.percent <= 0) continue;
        if (!best || d.percent > best->percent) best = &d;
    }
    return best ? best->id : std::string();
}

}  // namespace sup::os::limits
