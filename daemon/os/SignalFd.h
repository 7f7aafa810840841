// Signals as an fd for the event loop. The daemon is single-threaded, so blocking the signals with
// sigprocmask is enough to route them all to the signalfd instead of to handlers.
#pragma once

#include <initializer_list>
#include <vector>

#include "os/UniqueFd.h"

namespace sup::os {

class SignalFd {
  public:
    // Blocks `signals` in the calling thread and opens a CLOEXEC, non-blocking signalfd for them.
    // Throws std::system_error.
    explicit SignalFd(std::initializer_list<int> signals);
    explicit SignalFd(const std::vector<int>& signals);

    int fd() const noexcept { return fd_.get(); }
    // Drains every pending signal. The order is the kernel's (pending standard signals lowest number
    // first), not arrival order. Standard signals coalesce, so SIGCHLD appearing once may stand for many
    // children: callers must reap in a loop. Throws std::system_error.
    std::vector<int> readAll();

  private:
    UniqueFd fd_;
};

}  // namespace sup::os
