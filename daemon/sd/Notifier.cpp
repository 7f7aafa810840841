#include "sd/Notifier.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
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

// Lifecycle messages (READY, RELOADING, STOPPING) are few, but a reload storm against a manager that
// does not read could queue them without end; past this the oldest go.
constexpr std::size_t kQueueLimit = 32;

bool isStatus(const std::string& m) {
    return m.rfind("STATUS=", 0) == 0;
}

}  // namespace

Notifier::Notifier(os::EventLoop& loop) : loop_(loop) {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && *socket != '\0';
    if (!enabled_) return;
    address_ = socket;
    viaLibsystemd_ = address_[0] != '/' && address_[0] != '@';
    if (!viaLibsystemd_) (void)connectSocket();  // a failure is reported by the first send
    // STATUS= is sent once per loop turn, with the last text of that turn. The hook never asks the
    // loop to wake up: an idle daemon stays idle.
    loop_.addPrepareHook([this] {
        if (nextStatus_) {
            sentStatus_ = std::move(*nextStatus_);
            nextStatus_.reset();
            send("STATUS=" + sentStatus_);
        }
        return -1;
    });

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
    if (waitingWritable_) loop_.remove(socket_.get());
    // The last word (e.g. "0 running" at exit), without waiting for a manager that does not read:
    // marked as waiting already, so that a full queue does not register with the loop again.
    waitingWritable_ = true;
    if (nextStatus_) send("STATUS=" + *nextStatus_);
}

bool Notifier::connectSocket() {
    socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket_) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (address_.size() >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        socket_.reset();
        return false;
    }
    address_.copy(addr.sun_path, address_.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    int rc;
    do rc = ::connect(socket_.get(), reinterpret_cast<const sockaddr*>(&addr), len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        const int err = errno;
        socket_.reset();
        errno = err;
        return false;
    }
    return true;
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
    if (!enabled_) return;
    // A newline would start a new assignment in the datagram; STATUS is one line by protocol.
    std::string oneLine = text;
    for (char& c : oneLine)
        if (c == '\n') c = ' ';
    if (oneLine == sentStatus_)
        nextStatus_.reset();  // back to what the manager already has
    else
        nextStatus_ = std::move(oneLine);
}

void Notifier::warnOnce(const std::string& message, int err) {
    // Once: the manager going away (e.g. during its own shutdown) would otherwise flood the log every
    // watchdog period.
    if (warnedSendFailure_) return;
    warnedSendFailure_ = true;
    spdlog::warn("sd_notify({}) failed: {}", message.substr(0, message.find('\n')), std::strerror(err));
}

void Notifier::send(std::string message) {
    if (!enabled_) return;
    if (viaLibsystemd_) {
        const int r = ::sd_notify(0, message.c_str());
        if (r < 0) warnOnce(message, -r);
        return;
    }
    // Only the newest STATUS= and one WATCHDOG=1 are worth delivering late.
    const bool status = isStatus(message);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if ((status && isStatus(*it)) || (message == "WATCHDOG=1" && *it == message)) {
            queue_.erase(it);
            break;
        }
    }
    queue_.push_back(std::move(message));
    if (queue_.size() > kQueueLimit) queue_.pop_front();
    flush();
}

void Notifier::flush() {
    while (!queue_.empty()) {
        const std::string& message = queue_.front();
        if (!socket_ && !connectSocket()) {
            warnOnce(message, errno);
            queue_.pop_front();  // nobody to tell
            continue;
        }
        const ssize_t n = ::send(socket_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            queue_.pop_front();
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            // The manager's queue is full: wait for room, without blocking the loop.
            if (!waitingWritable_) {
                waitingWritable_ = true;
                loop_.add(socket_.get(), EPOLLOUT, [this](std::uint32_t) {
                    loop_.remove(socket_.get());
                    waitingWritable_ = false;
                    flush();
                });
            }
            return;
        }
        if (err == ECONNREFUSED || err == ENOTCONN) {
            // The manager's socket was replaced (e.g. systemd re-executed): reconnect once, then resend.
            if (waitingWritable_) {
                loop_.remove(socket_.get());
                waitingWritable_ = false;
            }
            if (connectSocket()) {
                const ssize_t again =
                    ::send(socket_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
                if (again >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
                    if (again >= 0) queue_.pop_front();
                    continue;
                }
            }
        }
        warnOnce(message, err);
        queue_.pop_front();
    }
}

}  // namespace sup::sd
