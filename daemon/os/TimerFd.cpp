#include "os/TimerFd.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>
#include <type_traits>

namespace sup::os {

// TimePoint values are handed to the kernel as CLOCK_MONOTONIC times. libstdc++'s steady_clock
// reads CLOCK_MONOTONIC on Linux, so both count from the same epoch (boot).
static_assert(std::is_same_v<Clock, std::chrono::steady_clock>,
              "TimerFd assumes steady_clock == CLOCK_MONOTONIC");

TimerFd::TimerFd() : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) {
    if (!fd_) throw std::system_error(errno, std::generic_category(), "timerfd_create");
}

void TimerFd::armAt(TimePoint deadline) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    // it_value all-zero means "disarm", so a deadline at or before the epoch becomes 1 ns: long past,
    // fires at once.
    if (ns <= 0) ns = 1;
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0)
        throw std::system_error(errno, std::generic_category(), "timerfd_settime");
}

void TimerFd::disarm() {
    itimerspec spec{};
    if (::timerfd_settime(fd_.get(), 0, &spec, nullptr) < 0)
        throw std::system_error(errno, std::generic_category(), "timerfd_settime(disarm)");
}

void TimerFd::drain() {
    std::uint64_t expirations = 0;
    for (;;) {
        ssize_t n = ::read(fd_.get(), &expirations, sizeof expirations);
        if (n >= 0) return;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;
        throw std::system_error(errno, std::generic_category(), "read(timerfd)");
    }
}

}  // namespace sup::os
