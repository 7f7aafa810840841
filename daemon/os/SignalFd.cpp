#include "os/SignalFd.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "os/FdUtil.h"

namespace sup::os {

SignalFd::SignalFd(std::initializer_list<int> signals) : SignalFd(std::vector<int>(signals)) {}

SignalFd::SignalFd(const std::vector<int>& signals) {
    sigset_t set;
    ::sigemptyset(&set);
    for (int sig : signals) {
        if (::sigaddset(&set, sig) < 0) throwErrno("sigaddset", std::to_string(sig));
    }
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0)
        throw std::system_error(errno, std::generic_category(), "sigprocmask(SIG_BLOCK)");
    fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
}

std::vector<int> SignalFd::readAll() {
    std::vector<int> out;
    signalfd_siginfo infos[16];
    for (;;) {
        ssize_t n = ::read(fd_.get(), infos, sizeof infos);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return out;
            throw std::system_error(errno, std::generic_category(), "read(signalfd)");
        }
        // The kernel only hands out whole siginfo records.
        size_t count = static_cast<size_t>(n) / sizeof(signalfd_siginfo);
        for (size_t i = 0; i < count; ++i) out.push_back(static_cast<int>(infos[i].ssi_signo));
        if (count == 0) return out;
    }
}

}  // namespace sup::os
