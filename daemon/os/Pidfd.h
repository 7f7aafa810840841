// A process handle that cannot be confused with a recycled PID: once the process is reaped, signals
// sent through it fail with ESRCH instead of hitting whoever got the number next.
#pragma once

#include <sys/types.h>

#include <optional>

#include "os/UniqueFd.h"

namespace sup::os {

class Pidfd {
  public:
    // nullopt when the process does not exist (ESRCH) or the kernel lacks pidfds (ENOSYS, < 5.3).
    // Other errors (EMFILE, ...) throw std::system_error.
    static std::optional<Pidfd> open(pid_t pid);
    explicit Pidfd(UniqueFd fd) : fd_(std::move(fd)) {}

    int fd() const noexcept { return fd_.get(); }
    UniqueFd release() && { return std::move(fd_); }
    // 0 on success, otherwise the errno (ESRCH: the process has exited).
    int sendSignal(int sig) const noexcept { return sendSignal(fd_.get(), sig); }
    static int sendSignal(int pidfd, int sig) noexcept;

  private:
    UniqueFd fd_;
};

}  // namespace sup::os
