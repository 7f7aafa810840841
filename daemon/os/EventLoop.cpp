#include "os/EventLoop.h"

#include <sys/epoll.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace sup::os {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

void EventLoop::add(int fd, std::uint32_t events, Handler handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl(ADD)");
    handlers_[fd] = std::make_shared<Handler>(std::move(handler));
}

void EventLoop::modify(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl(MOD)");
}

void EventLoop::remove(int fd) noexcept {
    if (handlers_.erase(fd) == 0) return;
    // ENOENT/EBADF would mean the fd was closed before removal: a bug elsewhere, but harmless here.
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int EventLoop::runOnce(int timeoutMs) {
    for (auto& hook : prepareHooks_) {
        int t = hook();
        if (t >= 0 && (timeoutMs < 0 || t < timeoutMs)) timeoutMs = t;
    }
    if (stopped_) return 0;
    constexpr int kMaxEvents = 64;
    epoll_event events[kMaxEvents];
    int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeoutMs);
    ++iterations_;
    if (n < 0) {
        if (errno == EINTR) return 0;
        throw std::system_error(errno, std::generic_category(), "epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
        auto it = handlers_.find(events[i].data.fd);
        if (it == handlers_.end()) continue;  // removed by an earlier handler in this batch
        std::shared_ptr<Handler> h = it->second;
        (*h)(events[i].events);
    }
    return n;
}

void EventLoop::run() {
    while (!stopped_) runOnce(-1);
}

}  // namespace sup::os
