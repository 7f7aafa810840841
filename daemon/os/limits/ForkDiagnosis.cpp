#include "os/limits/ForkDiagnosis.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

constexpr double kNearPercent = 90.0;

bool nearExhaustion(const LimitDimension& d) {
    if (d.limit == 0 || d.percent <= 0) return false;  // unlimited, or exempt (root's RLIMIT_NPROC)
    return d.percent >= kNearPercent || d.used + 1 >= d.limit;
}

std::vector<std::string> relevantIds(int err, std::optional<uid_t> serviceUid,
                                     std::optional<uid_t> daemonUid) {
    if (err == EMFILE || err == ENFILE) return {"nofile"};
    std::vector<std::string> ids{"pids-cgroup"};
    if (auto uid = serviceUid ? serviceUid : daemonUid) ids.push_back("nproc:uid=" + std::to_string(*uid));
    if (daemonUid && serviceUid && *daemonUid != *serviceUid)
        ids.push_back("nproc:uid=" + std::to_string(*daemonUid));
    ids.push_back("threads-max");
    ids.push_back("pid-max");
    return ids;
}

std::string numbers(const LimitDimension& d) {
    return d.title + " " + std::to_string(d.used) + "/" + std::to_string(d.limit);
}

std::string detail(const LimitDimension& d) {
    if (d.id == "pids-cgroup") {
        std::string s = "pids.max";
        if (d.hitCount)
            s += ", refused " + std::to_string(d.hitCount) + (d.hitCount == 1 ? " time" : " times");
        return s;
    }
    return "";
}

}  // namespace

std::string errnoName(int err) {
    const char* name = ::strerrorname_np(err);
    return name ? std::string(name) : "errno " + std::to_string(err);
}

std::string describeForkFailure(const LimitsReport& report, int err, std::optional<uid_t> serviceUid,
                                std::optional<uid_t> daemonUid) {
    std::string line = errnoName(err) + " (" + std::strerror(err) + "): ";
    const LimitDimension* fullest = nullptr;
    for (const auto& id : relevantIds(err, serviceUid, daemonUid)) {
        for (const auto& d : report.dimensions) {
            if (d.id != id || d.limit == 0 || d.percent <= 0) continue;
            if (!fullest || d.percent > fullest->percent) fullest = &d;
        }
    }
    if (!fullest || !nearExhaustion(*fullest)) {
        line += err == EMFILE || err == ENFILE
                    ? "no descriptor limit near exhaustion"
                    : "no limit near exhaustion; likely memory (ENOMEM) or a transient spike";
        if (fullest) line += " (fullest: " + numbers(*fullest) + ")";
        return line;
    }
    line += numbers(*fullest);
    if (auto d = detail(*fullest); !d.empty()) line += " (" + d + ")";
    if (auto top = formatTop(fullest->top); !top.empty()) line += "; top: " + top;
    return line;
}

}  // namespace sup::os::limits
