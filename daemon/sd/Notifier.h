// The daemon's side of the sd_notify protocol: READY/RELOADING/STOPPING/STATUS towards the
// service manager that started us, plus the watchdog keep-alive.
#pragma once

#include <chrono>
#include <string>

#include "os/EventLoop.h"
#include "os/TimerFd.h"

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
    // STATUS=<text>; repeated identical texts are not re-sent.
    void status(const std::string& text);

    bool enabled() const { return enabled_; }
    bool watchdogArmed() const { return watchdogArmed_; }
    // The ping period (half of WATCHDOG_USEC); zero when the watchdog is not armed.
    std::chrono::microseconds watchdogPeriod() const { return watchdogPeriod_; }

  private:
    void send(const std::string& message);
    void onWatchdogTimer();

    os::EventLoop& loop_;
    bool enabled_ = false;
    bool watchdogArmed_ = false;
    bool warnedSendFailure_ = false;
    std::chrono::microseconds watchdogPeriod_{0};
    std::string lastStatus_;
    os::TimerFd watchdogTimer_;
};

}  // namespace sup::sd
