// A one-shot monotonic timer as an fd for the event loop.
#pragma once

#include "core/Clock.h"
#include "os/UniqueFd.h"

namespace sup::os {

class TimerFd {
  public:
    TimerFd();  // throws std::system_error

    int fd() const noexcept { return fd_.get(); }
    // Fires once at `deadline` (absolute). A deadline in the past fires at once.
    void armAt(TimePoint deadline);
    void disarm();
    // Consumes the expiry so a level-triggered loop stops reporting it. Not expired: no-op.
    void drain();

  private:
    UniqueFd fd_;
};

}  // namespace sup::os
