// ProbeRunner on the daemon's EventLoop: tcp probes are non-blocking connects, http probes are libcurl
// transfers on its multi-socket interface (CurlMulti). One shared TimerFd keeps every tcp deadline
// (armed at the earliest) and delivers the finished results, so a thousand probes in flight cost no
// more timers than one, and a result is never reported from inside start() or cancel().
#pragma once

#include <curl/curl.h>

#include <deque>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/Clock.h"
#include "os/EventLoop.h"
#include "os/ProbeRunner.h"
#include "os/TimerFd.h"

namespace sup::os {

class CurlMulti;

class RealProbeRunner final : public ProbeRunner {
  public:
    explicit RealProbeRunner(EventLoop& loop);  // throws std::system_error, std::runtime_error
    RealProbeRunner(const RealProbeRunner&) = delete;
    RealProbeRunner& operator=(const RealProbeRunner&) = delete;
    ~RealProbeRunner() override;  // cancels what is in flight: no result, every fd and handle released

    void setEvents(Events* events) override { events_ = events; }
    void start(Id id, const ProbeSpec& spec) override;
    void cancel(Id id) override;

    // Attempts started and not yet reported or cancelled (tests: nothing is left behind).
    std::size_t inFlight() const { return attempts_.size(); }

  private:
    struct Attempt;

    void startTcp(Attempt& attempt, const ProbeSpec& spec);
    void connectNext(Attempt& attempt);
    void onTcpEvent(Id id);
    void startHttp(Attempt& attempt, const ProbeSpec& spec);
    // libcurl's multi handle, made (and libcurl loaded) by the first http check: a daemon without one
    // never maps libcurl and what it depends on.
    CurlMulti& curlMulti();
    void onHttpDone(CURL* easy, CURLcode code);
    void finish(Attempt& attempt, ProbeResult result);
    void release(Attempt& attempt) noexcept;
    void onTimer();
    void rearm();

    EventLoop& loop_;
    Events* events_ = nullptr;
    TimerFd timer_;
    std::unique_ptr<CurlMulti> curl_;
    std::unordered_map<Id, std::unique_ptr<Attempt>> attempts_;
    std::set<std::pair<TimePoint, Id>> tcpDeadlines_;  // tcp attempts still connecting, earliest first
    std::deque<Id> finished_;                          // results waiting for the timer to deliver them
};

}  // namespace sup::os
