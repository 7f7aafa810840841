#include "os/limits/RlimitDimensions.h"

#include <unistd.h>

#include "os/limits/LimitsConf.h"
#include "os/limits/Percent.h"
#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

std::uint64_t asLimit(std::uint64_t v) {
    return v == kUnlimited ? 0 : v;
}

// The note only matters when PAM would give a login of that user something else than what the
// services get: that difference is what confuses people.
bool differs(const ConfLimit& conf, const std::optional<RlimitValue>& actual) {
    if (!actual) return conf.set();
    return (conf.soft.value && *conf.soft.value != actual->soft) ||
           (conf.hard.value && *conf.hard.value != actual->hard);
}

}  // namespace

LimitDimension probeNproc(const FsRoot& fs, uid_t uid, const std::optional<RlimitValue>& limit,
                          const ProcessTable& table, const std::string& limitSource) {
    LimitDimension d;
    d.id = "nproc:uid=" + std::to_string(uid);
    auto user = lookupUser(fs, uid);
    d.title = "RLIMIT_NPROC of uid " + std::to_string(uid) + (user ? " (" + user->name + ")" : std::string());
    ConsumerTally tally;
    for (const auto& p : table.processes) {
        if (p.realUid != uid) continue;
        d.used += p.threads;  // the kernel charges every task, threads included
        tally.add(p.comm, p.threads);
    }
    d.top = tally.top();
    d.limit = limit ? asLimit(limit->soft) : 0;
    d.source = limitSource;
    if (uid == 0) {
        d.percent = 0;
        d.note = "uid 0 (root) is exempt from RLIMIT_NPROC";
    } else {
        d.percent = percentOf(d.used, d.limit);
        if (!limit) d.note = "the daemon's RLIMIT_NPROC could not be read";
    }
    if (user) {
        auto pam = pamLimitsFor(fs, *user);
        if (differs(pam.nproc, limit)) {
            auto text = describePamLimit(pam.nproc, "nproc", user->name);
            if (!text.empty()) d.note += (d.note.empty() ? "" : "; ") + text;
        }
    }
    return d;
}

std::optional<std::uint64_t> countOpenFds(const FsRoot& fs, pid_t pid) {
    const std::string dir = "proc/" + std::to_string(pid) + "/fd";
    if (!fs.exists(dir)) return std::nullopt;
    std::uint64_t n = fs.listNumeric(dir).size();
    // Listing our own fd directory opens one descriptor that only exists during the listing.
    if (fs.isHostRoot() && pid == ::getpid() && n > 0) --n;
    return n;
}

LimitDimension probeNofile(const FsRoot& fs, pid_t self, const std::optional<RlimitValue>& limit,
                           const std::string& limitSource) {
    LimitDimension d;
    d.id = "nofile";
    d.title = "RLIMIT_NOFILE of supervisord (pid " + std::to_string(self) + ")";
    d.used = countOpenFds(fs, self).value_or(0);
    d.limit = limit ? asLimit(limit->soft) : 0;
    d.percent = percentOf(d.used, d.limit);
    d.source = limitSource;
    if (!limit) d.note = "the daemon's RLIMIT_NOFILE could not be read";
    return d;
}

}  // namespace sup::os::limits
