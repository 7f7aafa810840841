#include "os/Pidfd.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "os/FdUtil.h"

namespace sup::os {

std::optional<Pidfd> Pidfd::open(pid_t pid) {
    // Raw syscall: glibc gained the wrapper only in 2.36 and the raw call also works on older builds.
    // pidfds are always close-on-exec.
    long fd = ::syscall(SYS_pidfd_open, pid, 0u);
    if (fd < 0) {
        if (errno == ESRCH || errno == ENOSYS) return std::nullopt;
        throwErrno("pidfd_open", std::to_string(pid));
    }
    return Pidfd(UniqueFd(static_cast<int>(fd)));
}

int Pidfd::sendSignal(int pidfd, int sig) noexcept {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0u) < 0) return errno;
    return 0;
}

}  // namespace sup::os
