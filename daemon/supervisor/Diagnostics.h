// What the supervisor asks about the machine when things go wrong: why a fork failed, how close
// every process limit is, what is wrong with a live process. An interface so tests can fake it
// and the supervisor never reads /proc itself.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/LimitsReport.h"
#include "supervisor/Control.h"

namespace sup {

class Diagnostics {
  public:
    virtual ~Diagnostics() = default;
    // One line naming the binding limit: "EAGAIN, pids cgroup 64/64 (pids.max); top: sleep 60".
    virtual std::string forkFailure(int err, std::optional<uid_t> serviceUid) = 0;
    virtual LimitsReport limits(unsigned warnPercent, const std::vector<uid_t>& serviceUids) = 0;
    // True only when a cheap reading proves that limits() would find every dimension under
    // warnPercent, so the threshold check can skip the full reading. False means "read them".
    virtual bool limitsCertainlyUnder(unsigned /*warnPercent*/, const std::vector<uid_t>& /*serviceUids*/) {
        return false;
    }
    virtual std::vector<DoctorFinding> doctor(pid_t pid) = 0;
    // The OOM-kill counter of the daemon's memory cgroup (every service runs in it); nullopt when
    // unknown (no memory controller, not readable, or a test double).
    virtual std::optional<std::uint64_t> oomKills() { return std::nullopt; }
};

// Reports only errno; for tests and for when /proc cannot be read.
class PlainDiagnostics final : public Diagnostics {
  public:
    std::string forkFailure(int err, std::optional<uid_t>) override;
    LimitsReport limits(unsigned warnPercent, const std::vector<uid_t>&) override {
        LimitsReport r;
        r.warnPercent = warnPercent;
        return r;
    }
    std::vector<DoctorFinding> doctor(pid_t) override { return {}; }
};

}  // namespace sup
