#include "core/Backoff.h"

#include <algorithm>

namespace sup {

Duration Backoff::peek() const {
    if (spec_.initial.count() <= 0) return Duration{0};
    Duration d = spec_.initial;
    // Double step_ times, stopping at max. Never past it: doubling a delay above max/2 would overflow
    // for a max near Duration::max() (the config caps durations at kMaxDuration; other callers may not).
    for (unsigned i = 0; i < step_ && d < spec_.max; ++i) d = d > spec_.max / 2 ? spec_.max : d * 2;
    return std::min(d, std::max(spec_.max, spec_.initial));
}

Duration Backoff::next() {
    Duration d = peek();
    if (d < spec_.max) ++step_;
    return d;
}

}  // namespace sup
