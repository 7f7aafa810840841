// The real Diagnostics: reads /proc, /sys and /etc (through an FsRoot, so tests can point it at a
// fake tree) to explain fork failures, measure process limits and examine live processes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "os/limits/FsRoot.h"
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
    std::vector<DoctorFinding> doctor(pid_t pid) override;

  private:
    os::limits::FsRoot fs_;
    pid_t self_;
};

}  // namespace sup
