#include "core/ForkGate.h"

#include <algorithm>

namespace sup {

ForkGate::ForkGate(std::function<double()> random01, BackoffSpec retry)
    : random01_(std::move(random01)), backoff_(retry) {}

bool ForkGate::contains(const std::string& name) const {
    return std::find(queue_.begin(), queue_.end(), name) != queue_.end();
}

void ForkGate::enqueue(const std::string& name, TimePoint now) {
    if (contains(name)) return;
    queue_.push_back(name);
    if (!next_) next_ = now;
}

void ForkGate::failed(const std::string& name, TimePoint now) {
    probing_ = false;
    ++failures_;
    if (!contains(name)) queue_.push_front(name);
    // Jitter of +-25% keeps several supervisors (or several gates) sharing one limit from retrying in step.
    auto base = backoff_.next();
    double factor = 0.75 + 0.5 * random01_();
    next_ = now + std::chrono::duration_cast<Duration>(base * factor);
}

void ForkGate::succeeded(TimePoint now) {
    probing_ = false;
    failures_ = 0;
    backoff_.reset();
    next_ = now;  // the next waiting instance may try at once
}

void ForkGate::remove(const std::string& name) {
    auto it = std::find(queue_.begin(), queue_.end(), name);
    if (it != queue_.end()) queue_.erase(it);
    if (queue_.empty()) next_.reset();
}

void ForkGate::rename(const std::string& from, const std::string& to) {
    std::replace(queue_.begin(), queue_.end(), from, to);
}

void ForkGate::abandoned(TimePoint now) {
    probing_ = false;
    if (!next_ || *next_ > now) next_ = now;
}

std::optional<std::string> ForkGate::admitNext(TimePoint now) {
    if (queue_.empty() || probing_ || !next_ || now < *next_) return std::nullopt;
    std::string name = queue_.front();
    queue_.pop_front();
    probing_ = true;
    return name;
}

}  // namespace sup
