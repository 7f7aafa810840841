// Exponential delay between restarts: initial, doubled after each restart, capped at max,
// back to initial after a run that lasted at least reset_after.
#pragma once

#include "ServiceSpec.h"

namespace sup {

class Backoff {
  public:
    explicit Backoff(BackoffSpec spec = {}) : spec_(spec) {}
    void setSpec(BackoffSpec spec) { spec_ = spec; }

    // The delay to wait now; the following call returns twice as much (up to max).
    Duration next();
    // The delay next() would return, without consuming it.
    Duration peek() const;
    void reset() { step_ = 0; }
    // Feed how long the last run lasted; a long enough run resets the growth.
    void observeRun(Duration ran) {
        if (ran >= spec_.resetAfter) reset();
    }
    unsigned step() const { return step_; }

  private:
    BackoffSpec spec_;
    unsigned step_ = 0;
};

}  // namespace sup
