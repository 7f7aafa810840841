#include "sd/Notifier.h"

#include <sys/epoll.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace sup::sd {

namespace {

std::uint64_t monotonicUsec() {
    timespec ts{};
    // CLOCK_MONOTONIC cannot fail with a valid pointer; systemd compares against the same clock.
    (void)::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

Notifier::Notifier(os::EventLoop& loop) : loop_(loop) {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && *socket != '\0';
    if (!enabled_) return;

    std::uint64_t usec = 0;
    // unset_environment=0: the supervisor strips these from children itself (systemdOnlyEnvironment),
    // and keeping them lets a re-exec or a test read the same values.
    const int r = ::sd_watchdog_enabled(0, &usec);
    if (r < 0) {
        spdlog::warn("ignoring invalid WATCHDOG_USEC/WATCHDOG_PID: {}", std::strerror(-r));
        return;
    }
    if (r == 0 || usec == 0) return;

    // Half the interval, as sd_watchdog_enabled(3) recommends: one late loop turn must not be fatal.
    watchdogPeriod_ = std::chrono::microseconds(usec / 2);
    if (watchdogPeriod_.count() == 0) watchdogPeriod_ = std::chrono::microseconds(1);
    loop_.add(watchdogTimer_.fd(), EPOLLIN, [this](std::uint32_t) { onWatchdogTimer(); });
    watchdogTimer_.armAt(Clock::now() + watchdogPeriod_);
    watchdogArmed_ = true;
    spdlog::debug("watchdog: pinging every {} ms", watchdogPeriod_.count() / 1000);
}

Notifier::~Notifier() {
    if (watchdogArmed_) loop_.remove(watchdogTimer_.fd());
}

void Notifier::onWatchdogTimer() {
    watchdogTimer_.drain();
    // Re-armed from the loop itself, so a wedged loop stops the pings and systemd notices.
    watchdogTimer_.armAt(Clock::now() + watchdogPeriod_);
    send("WATCHDOG=1");
}

void Notifier::ready() {
    send("READY=1");
}

void Notifier::reloading() {
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonicUsec()));
}

void Notifier::stopping() {
    send("STOPPING=1");
}

void Notifier::status(const std::string& text) {
    if (!enabled_ || text == lastStatus_) return;
    lastStatus_ = text;
    // A newline would start a new assignment in the datagram; STATUS is one line by protocol.
    std::string oneLine = text;
    for (char& c : oneLine)
        if (c == '\n') c = ' ';
    send("STATUS=" + oneLine);
}

void Notifier::send(const std::string& message) {
    if (!enabled_) return;
    const int r = ::sd_notify(0, message.c_str());
    if (r >= 0) return;
    // Warn once: the manager going away (e.g. during its own shutdown) would otherwise flood the log
    // every watchdog period.
    if (!warnedSendFailure_) {
        warnedSendFailure_ = true;
        spdlog::warn("sd_notify({}) failed: {}", message.substr(0, message.find('\n')), std::strerror(-r));
    }
}

}  // namespace sup::sd
