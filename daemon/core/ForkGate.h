// Admission control for fork() under process-limit pressure.
//
// When fork fails with EAGAIN (a pids cgroup, RLIMIT_NPROC or threads-max is used up), every service
// that wants to start would otherwise retry on its own timer and hit the limit together the moment it
// clears (a thundering herd that eats the freed slots and fails again). Instead the waiting instances
// queue here in arrival order; one probe retries at a time, on a capped exponential backoff with jitter,
// and once a fork succeeds the rest are admitted one after another, each only after the previous fork
// succeeded. Transient failures never count against start_retries (that is the ProcessMachine's part).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "ServiceSpec.h"
#include "core/Backoff.h"
#include "core/Clock.h"

namespace sup {

class ForkGate {
  public:
    // random01 returns a number in [0, 1): the jitter source, injected so tests are deterministic.
    explicit ForkGate(std::function<double()> random01,
                      BackoffSpec retry = {std::chrono::milliseconds(100), std::chrono::seconds(30),
                                           std::chrono::seconds(0)});

    // True while instances wait: a new spawn must queue behind them instead of forking.
    bool closed() const { return !queue_.empty(); }
    std::size_t waiting() const { return queue_.size(); }
    bool contains(const std::string& name) const;

    // A spawn was wanted while the gate was closed: wait behind the others.
    void enqueue(const std::string& name, TimePoint now);
    // A fork failed transiently: this instance goes back to the head, the next probe is delayed.
    void failed(const std::string& name, TimePoint now);
    // A fork succeeded: the pressure is gone, so admit the next waiting instance at once.
    void succeeded(TimePoint now);
    void remove(const std::string& name);                         // stopped or removed while waiting
    void rename(const std::string& from, const std::string& to);  // keeps its place in the queue
    // An admitted instance did not fork after all (stopped meanwhile): let the next one try.
    void abandoned(TimePoint now);

    std::optional<TimePoint> deadline() const { return queue_.empty() ? std::nullopt : next_; }
    // At or after deadline(): the instance to try now (removed from the queue), if any.
    std::optional<std::string> admitNext(TimePoint now);

    unsigned consecutiveFailures() const { return failures_; }

  private:
    std::function<double()> random01_;
    Backoff backoff_;
    std::deque<std::string> queue_;
    std::optional<TimePoint> next_;
    unsigned failures_ = 0;
    bool probing_ = false;  // an admitted instance is forking; admit no other until it reports
};

}  // namespace sup
