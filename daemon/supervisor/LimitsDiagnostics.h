// The real Diagnostics: reads /proc, /sys and /etc (through an FsRoot, so tests can point it at a
// fake tree) to explain fork failures, measure process limits and examine live processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "os/limits/FsRoot.h"
#include "os/limits/ProcTable.h"
#include "supervisor/Diagnostics.h"

namespace sup {

class LimitsDiagnostics final : public Diagnostics {
  public:
    // The machine's "/" and this process as the daemon.
    LimitsDiagnostics();
    // Another root (a fake tree in tests) where `self` stands for the daemon's pid.
    LimitsDiagnostics(os::limits::FsRoot root, pid_t self);

    // Scans /proc once per call: meant for once per failure episode, not per retry.
    std::string forkFailure(int err, std::optional<uid_t> serviceUid) override;
    LimitsReport limits(unsigned warnPercent, const std::vector<uid_t>& serviceUids) override;
    // No /proc scan: /proc/loadavg, the pids cgroup files and the daemon's own /proc entries.
    bool limitsCertainlyUnder(unsigned warnPercent, const std::vector<uid_t>& serviceUids) override;
    std::vector<DoctorFinding> doctor(pid_t pid) override;
    std::optional<std::uint64_t> oomKills() override;

  private:
    // Doctor is asked once per instance, and one `supctl doctor` asks about every instance in a single
    // loop turn: a reading younger than this is reused, so a call costs one /proc scan, not one per
    // instance (that grew as instances x processes, all inside one turn of the loop that feeds the
    // watchdog).
    static constexpr std::chrono::milliseconds kDoctorScanReuse{250};

    os::limits::FsRoot fs_;
    pid_t self_;
    std::optional<os::limits::ProcessTable> doctorTable_;
    std::chrono::steady_clock::time_point doctorScannedAt_{};
};

}  // namespace sup
