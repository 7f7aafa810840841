// One epoll loop for the whole daemon: signals, timers, child output pipes and the D-Bus socket
// are all fds registered here. Level-triggered, single thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "os/UniqueFd.h"

namespace sup::os {

class EventLoop {
  public:
    using Handler = std::function<void(std::uint32_t events)>;
    // Called before every epoll_wait; returns a timeout in ms (-1 = none) that the loop honours,
    // so sd-bus (which has its own deadlines) can be driven without a thread.
    using PrepareHook = std::function<int()>;

    EventLoop();  // throws std::system_error
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // fd stays owned by the caller; it must be removed before it is closed.
    void add(int fd, std::uint32_t events, Handler handler);  // throws std::system_error
    void modify(int fd, std::uint32_t events);                // throws std::system_error
    void remove(int fd) noexcept;
    bool watching(int fd) const { return handlers_.count(fd) != 0; }

    void addPrepareHook(PrepareHook hook) { prepareHooks_.push_back(std::move(hook)); }

    // Waits once (at most timeoutMs, combined with the prepare hooks) and dispatches what is ready.
    // Returns the number of events dispatched. EINTR counts as zero events.
    int runOnce(int timeoutMs = -1);
    // Runs until stop() is called from a handler.
    void run();
    void stop() { stopped_ = true; }
    void resume() { stopped_ = false; }  // run again after a stop (e.g. to finish a shutdown)
    bool stopped() const { return stopped_; }

    std::uint64_t iterations() const { return iterations_; }

  private:
    UniqueFd epoll_;
    // shared_ptr so a handler that removes itself (or others) mid-dispatch stays alive until it returns.
    std::unordered_map<int, std::shared_ptr<Handler>> handlers_;
    std::vector<PrepareHook> prepareHooks_;
    bool stopped_ = false;
    std::uint64_t iterations_ = 0;
};

}  // namespace sup::os
