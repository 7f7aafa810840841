// The streams behind Manager1.Follow: each follower gets a socket whose other end went to the client,
// and every byte an instance writes to the followed stream is copied to it. Writes never block the
// daemon: a follower that cannot keep up has its backlog bounded (tail_bytes), and one that falls
// further behind is cut off with a marker line. A client that closes its end is noticed and dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "os/EventLoop.h"
#include "os/UniqueFd.h"
#include "supervisor/Control.h"

namespace sup::bus {

class OutputFollowers {
  public:
    static constexpr std::size_t kMaxFollowers = 256;  // each costs the daemon an fd
    // Per caller uid other than root: one user cannot take every slot from the others.
    static constexpr std::size_t kMaxFollowersPerUid = 16;

    // backlogLimit: the bytes kept for a follower that does not read (read at each write, so a reload
    // that changes tail_bytes applies at once).
    OutputFollowers(os::EventLoop& loop, std::function<std::size_t()> backlogLimit);
    ~OutputFollowers();
    OutputFollowers(const OutputFollowers&) = delete;
    OutputFollowers& operator=(const OutputFollowers&) = delete;

    // Starts following; `initial` (the recent tail) is sent first. Returns the client's end, read-only.
    // `owner`: the caller's uid, counted against kMaxFollowersPerUid (root is not). Followers that were
    // cut off or finished and only wait to hand over their last bytes hold no slot: when the total is
    // reached, the oldest of them is closed to make room.
    // Throws std::system_error (socketpair) or TooManyFollowers.
    os::UniqueFd open(const std::string& name, OutputStream stream, std::string_view initial,
                      uid_t owner = 0);
    // New bytes from an instance.
    void deliver(const std::string& name, OutputStream stream, std::string_view data);
    // The instance is gone: its followers see end of file once their backlog is delivered.
    void finish(const std::string& name);

    std::size_t size() const { return followers_.size(); }
    // Followers still following (not cut off or finished) opened by `owner`.
    std::size_t activeOf(uid_t owner) const;

    struct TooManyFollowers : std::runtime_error {
        using std::runtime_error::runtime_error;
    };

  private:
    struct Follower;
    void send(Follower& f, std::string_view data);
    void flush(Follower& f);
    void cutOff(Follower& f, std::size_t dropped);
    void watch(Follower& f, bool wantWritable);
    void onEvents(int fd, std::uint32_t events);
    void close(int fd);
    // Makes room for one more follower by closing the oldest closing one; false when none is closing.
    bool evictClosing();

    os::EventLoop& loop_;
    std::function<std::size_t()> backlogLimit_;
    std::map<int, std::unique_ptr<Follower>> followers_;  // by our end's fd
    std::uint64_t opened_ = 0;                            // sequence numbers, to find the oldest
};

}  // namespace sup::bus
