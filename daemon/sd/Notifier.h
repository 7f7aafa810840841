// The daemon's side of the sd_notify protocol: READY/RELOADING/STOPPING/STATUS towards the
// service manager that started us, plus the watchdog keep-alive.
//
// Written by hand over a non-blocking socket rather than with libsystemd's sd_notify(), which opens a
// socket per call and blocks in sendmsg() when the manager's receive queue is full: a manager that
// stops reading (busy, stalled, or a test harness) would then stop reaping, D-Bus and the watchdog.
// Here a full queue only defers the messages until the socket is writable again.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "os/EventLoop.h"
#include "os/TimerFd.h"
#include "os/UniqueFd.h"

namespace sup::sd {

class Notifier {
  public:
    // Reads NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID once. When the watchdog is asked for,
    // arms a timer in `loop` that pings at half the interval. Without NOTIFY_SOCKET every
    // method below is a no-op and no timer exists.
    explicit Notifier(os::EventLoop& loop);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    void ready();      // READY=1 (first start, and again after every reload)
    void reloading();  // RELOADING=1 with MONOTONIC_USEC= (systemd >= 253 matches it to the reload job)
    void stopping();   // STOPPING=1
    // STATUS=<text>, sent before the loop next waits: a burst of changes in one loop turn (a start of
    // N services) is one datagram with the last text, not N. Repeated identical texts are not re-sent.
    void status(const std::string& text);

    bool enabled() const { return enabled_; }
    bool watchdogArmed() const { return watchdogArmed_; }
    // The ping period (half of WATCHDOG_USEC); zero when the watchdog is not armed.
    std::chrono::microseconds watchdogPeriod() const { return watchdogPeriod_; }
    // Messages waiting for the manager's socket to take them (tests and diagnostics).
    std::size_t queued() const { return queue_.size(); }

  private:
    void send(std::string message);
    void flush();
    bool connectSocket();
    void warnOnce(const std::string& message, int err);
    void onWatchdogTimer();

    os::EventLoop& loop_;
    bool enabled_ = false;
    bool watchdogArmed_ = false;
    bool warnedSendFailure_ = false;
    bool waitingWritable_ = false;  // registered for EPOLLOUT: the manager's queue was full
    bool viaLibsystemd_ = false;    // an address kind we do not speak (vsock:): sd_notify(), blocking
    std::chrono::microseconds watchdogPeriod_{0};
    std::string address_;                    // NOTIFY_SOCKET, '@' for the abstract namespace
    os::UniqueFd socket_;                    // connected, so EPOLLOUT means "the manager has room"
    std::deque<std::string> queue_;          // in order; at most one STATUS= and one WATCHDOG=1 in it
    std::optional<std::string> nextStatus_;  // set by status(), queued before the loop waits
    std::string sentStatus_;                 // the last STATUS= text handed to the manager
    os::TimerFd watchdogTimer_;
};

}  // namespace sup::sd
