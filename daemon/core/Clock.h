// Time for the pure layers comes from here, so tests can drive it.
#pragma once

#include <chrono>

namespace sup {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

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
