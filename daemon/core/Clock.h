// Time for the pure layers comes from here, so tests can drive it.
#pragma once

#include <chrono>

#include "ServiceSpec.h"

namespace sup {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// `now + d` for any configured duration d (at most kMaxDuration) cannot overflow a TimePoint on a machine
// up for less than 150 years, so the pure layers add configured durations to times without checks.
static_assert(TimePoint::duration::max() - std::chrono::duration_cast<TimePoint::duration>(kMaxDuration) >
                  std::chrono::hours(24 * 365 * 150),
              "kMaxDuration is too large for nanosecond time points");

class ClockSource {
  public:
    virtual ~ClockSource() = default;
    virtual TimePoint now() const = 0;
};

class SteadyClock final : public ClockSource {
  public:
    TimePoint now() const override { return Clock::now(); }
};

// For tests: time moves only when told to.
class ManualClock final : public ClockSource {
  public:
    TimePoint now() const override { return now_; }
    void advance(std::chrono::nanoseconds d) { now_ += d; }
    void set(TimePoint t) { now_ = t; }

  private:
    TimePoint now_{std::chrono::seconds(1000)};
};

}  // namespace sup
