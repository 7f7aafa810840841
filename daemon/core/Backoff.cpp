#include "core/Backoff.h"

#include <algorithm>

namespace sup {

Duration Backoff::peek() const {
    if (spec_.initial.count() <= 0) return Duration{0};
    Duration d = spec_.initial;
    // Double step_ times, stopping at max; the loop is bounded by the cap, so no overflow.
    for (unsigned i = 0; i < step_ && d < spec_.max; ++i) d *= 2;
    return std::min(d, std::max(spec_.max, spec_.initial));
}

Duration Backoff::next() {
    Duration d = peek();
    if (d < spec_.max) ++step_;
    return d;
}

}  // namespace sup
