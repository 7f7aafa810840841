#include "core/OomKillWatch.h"

#include <signal.h>

namespace sup {

bool OomKillWatch::mayBeOomKill(const ExitStatus& status) {
    return status.signaled && status.signal == SIGKILL;
}

void OomKillWatch::baseline(std::optional<std::uint64_t> reading) {
    if (reading) last_ = reading;
}

bool OomKillWatch::killedByOom(const ExitStatus& status, std::optional<std::uint64_t> reading) {
    if (!mayBeOomKill(status) || !reading) return false;
    // No baseline (the counter could not be read at start): this reading becomes it, nothing is claimed.
    const bool grew = last_ && *reading > *last_;
    last_ = reading;
    return grew;
}

}  // namespace sup
