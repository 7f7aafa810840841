#include "supervisor/LimitsDiagnostics.h"

#include <unistd.h>

#include "os/limits/ForkDiagnosis.h"
#include "os/limits/LimitsProbe.h"
#include "os/limits/OomKills.h"
#include "os/limits/ProcTable.h"
#include "os/limits/ProcessDoctor.h"
#include "os/limits/ThresholdBound.h"

namespace sup {

LimitsDiagnostics::LimitsDiagnostics() : LimitsDiagnostics(os::limits::FsRoot("/"), ::getpid()) {}

LimitsDiagnostics::LimitsDiagnostics(os::limits::FsRoot root, pid_t self)
    : fs_(std::move(root)), self_(self) {}

std::string LimitsDiagnostics::forkFailure(int err, std::optional<uid_t> serviceUid) {
    const auto table = os::limits::scanProcesses(fs_);
    std::vector<uid_t> uids;
    if (serviceUid) uids.push_back(*serviceUid);
    // warnPercent only picks the report's binding id, which the description does not use.
    const auto report = os::limits::probeLimits(fs_, {self_, 100, uids}, table);
    return os::limits::describeForkFailure(report, err, serviceUid, os::limits::daemonUid(fs_, self_, table));
}

LimitsReport LimitsDiagnostics::limits(unsigned warnPercent, const std::vector<uid_t>& serviceUids) {
    return os::limits::probeLimits(fs_, {self_, warnPercent, serviceUids});
}

bool LimitsDiagnostics::limitsCertainlyUnder(unsigned warnPercent, const std::vector<uid_t>& serviceUids) {
    return os::limits::certainlyUnderThreshold(fs_, {self_, warnPercent, serviceUids});
}

std::vector<DoctorFinding> LimitsDiagnostics::doctor(pid_t pid) {
    const auto now = std::chrono::steady_clock::now();
    if (!doctorTable_ || now - doctorScannedAt_ > kDoctorScanReuse) {
        doctorTable_ = os::limits::scanProcesses(fs_);
        doctorScannedAt_ = now;
    }
    const auto& table = *doctorTable_;
    std::vector<DoctorFinding> out;
    for (auto& f : os::limits::examineProcess(fs_, pid, table, self_))
        out.push_back(DoctorFinding{std::move(f.severity), std::move(f.what), std::move(f.fix)});
    return out;
}

std::optional<std::uint64_t> LimitsDiagnostics::oomKills() {
    return os::limits::readOomKills(fs_, self_);
}

}  // namespace sup
