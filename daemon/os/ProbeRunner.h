// Runs one attempt of a network probe (ready: {tcp}/{http}, health: {tcp}/{http}) without blocking
// the event loop, and reports its outcome once. When to probe, and what a result means, is the
// supervisor's business (it keeps the time); exec probes are children and go through ProcessHost, and
// log_line probes read the lines the supervisor already frames. The simulation replaces this class.
#pragma once

#include <cstdint>
#include <string>

#include "ServiceSpec.h"

namespace sup::os {

struct ProbeResult {
    bool ok = false;
    std::string detail;  // "connection refused", "HTTP 503", "timed out after 2s", "HTTP 200", ...
};

class ProbeRunner {
  public:
    using Id = std::uint64_t;  // chosen by the caller, unique among the attempts in flight

    class Events {
      public:
        virtual ~Events() = default;
        virtual void onProbeResult(Id id, const ProbeResult& result) = 0;
    };

    virtual ~ProbeRunner() = default;
    virtual void setEvents(Events* events) = 0;
    // Starts one attempt of a Tcp or Http probe, limited to spec.timeout. Exactly one onProbeResult(id)
    // follows, always from the event loop and never from inside start(), unless cancel(id) comes first.
    virtual void start(Id id, const ProbeSpec& spec) = 0;
    virtual void cancel(Id id) = 0;  // no result will be reported; unknown ids are ignored
};

}  // namespace sup::os
