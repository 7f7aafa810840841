// OutputFollowers on a real EventLoop: the bytes arrive, a follower that never reads is cut off with
// a marker instead of stalling the daemon, and a client that leaves is forgotten.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "bus/OutputFollowers.h"
#include "bus_test_helpers.h"
#include "os/EventLoop.h"

namespace {

using namespace sup;
using namespace sup::bus;
using sup::bus::test::pumpUntil;
using namespace std::chrono_literals;

// Reads what is there now (the client end is blocking, so poll first).
std::string readAvailable(int fd) {
    std::string out;
    char buf[65536];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// Reads to end of file on another thread while the loop runs here.
std::string readToEofPumping(os::EventLoop& loop, int fd) {
    auto reader = std::async(std::launch::async, [fd] {
        std::string out;
        char buf[65536];
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 15000) <= 0) break;
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    });
    EXPECT_TRUE(pumpUntil(loop, [&] { return reader.wait_for(0ms) == std::future_status::ready; }));
    return reader.get();
}

TEST(OutputFollowers, InitialTailThenNewBytesOfTheFollowedStreamOnly) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{65536}; });
    auto fd = followers.open("web", OutputStream::Stdout, "old\n");
    followers.deliver("web", OutputStream::Stdout, "new 1\n");
    followers.deliver("web", OutputStream::Stderr, "not this\n");
    followers.deliver("db", OutputStream::Stdout, "nor this\n");
    followers.deliver("web", OutputStream::Stdout, "new 2\n");
    EXPECT_EQ(readAvailable(fd.get()), "old\nnew 1\nnew 2\n");
    // One-way: the client cannot write back.
    EXPECT_LT(::send(fd.get(), "x", 1, MSG_NOSIGNAL), 0);
}

TEST(OutputFollowers, FinishEndsTheStream) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{65536}; });
    auto fd = followers.open("web", OutputStream::Stderr, "");
    followers.deliver("web", OutputStream::Stderr, "last words\n");
    followers.finish("web");
    EXPECT_EQ(followers.size(), 0u);
    EXPECT_EQ(readToEofPumping(loop, fd.get()), "last words\n");
}

TEST(OutputFollowers, ASlowFollowerIsCutOffWithAMarkerAndNeverBlocks) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{8192}; });
    auto fd = followers.open("web", OutputStream::Stdout, "");
    const std::string line(1023, 'x');
    const auto started = std::chrono::steady_clock::now();
    // Far more than the socket buffer plus the backlog; nobody reads meanwhile.
    for (int i = 0; i < 4096; ++i) followers.deliver("web", OutputStream::Stdout, line + "\n");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "deliver() must not block";

    std::string got = readToEofPumping(loop, fd.get());
    const std::string marker = "[supervisord: follower too slow, ";
    auto at = got.rfind(marker);
    ASSERT_NE(at, std::string::npos) << got.size() << " bytes, no marker";
    EXPECT_TRUE(got.ends_with(" bytes dropped, disconnected]\n")) << got.substr(at);
    EXPECT_TRUE(at == 0 || got[at - 1] == '\n');  // the marker starts a line of its own
    EXPECT_GT(got.size(), 8192u);                 // what fitted was delivered before the cut
    EXPECT_EQ(followers.size(), 0u);
}

TEST(OutputFollowers, AClientThatClosesIsForgotten) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{65536}; });
    {
        auto fd = followers.open("web", OutputStream::Stdout, "hello\n");
        EXPECT_EQ(followers.size(), 1u);
    }  // the client closes its end
    EXPECT_TRUE(pumpUntil(
        loop, [&] { return followers.size() == 0; }, 5s));
    followers.deliver("web", OutputStream::Stdout, "nobody listens\n");  // no SIGPIPE, no error
}

TEST(OutputFollowers, RefusesBeyondTheLimit) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{65536}; });
    std::vector<os::UniqueFd> fds;
    for (std::size_t i = 0; i < OutputFollowers::kMaxFollowers; ++i)
        fds.push_back(followers.open("web", OutputStream::Stdout, ""));
    EXPECT_THROW(followers.open("web", OutputStream::Stdout, ""), std::runtime_error);
}

TEST(OutputFollowers, OneUserCannotTakeEverySlot) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{65536}; });
    std::vector<os::UniqueFd> fds;
    for (std::size_t i = 0; i < OutputFollowers::kMaxFollowersPerUid; ++i)
        fds.push_back(followers.open("web", OutputStream::Stdout, "", 65534));
    EXPECT_THROW(followers.open("web", OutputStream::Stdout, "", 65534), OutputFollowers::TooManyFollowers);
    // Others (and root) still may.
    fds.push_back(followers.open("web", OutputStream::Stdout, "", 1000));
    fds.push_back(followers.open("web", OutputStream::Stdout, "", 0));
    EXPECT_EQ(followers.activeOf(65534), OutputFollowers::kMaxFollowersPerUid);
}

TEST(OutputFollowers, ACutOffFollowerFreesItsSlot) {
    os::EventLoop loop;
    OutputFollowers followers(loop, [] { return std::size_t{8192}; });
    std::vector<os::UniqueFd> fds;
    for (std::size_t i = 0; i < OutputFollowers::kMaxFollowersPerUid; ++i)
        fds.push_back(followers.open("web", OutputStream::Stdout, "", 65534));
    // Nobody reads: every one of them is cut off, and its marker waits in a full socket forever.
    const std::string line(1023, 'x');
    for (int i = 0; i < 4096; ++i) followers.deliver("web", OutputStream::Stdout, line + "\n");
    EXPECT_EQ(followers.activeOf(65534), 0u);
    EXPECT_NO_THROW(fds.push_back(followers.open("web", OutputStream::Stdout, "", 65534)));
    // The global cap counts them, but makes room by closing the oldest that only waits to close.
    for (std::size_t i = followers.size(); i < OutputFollowers::kMaxFollowers; ++i)
        fds.push_back(followers.open("db", OutputStream::Stdout, "", 0));
    EXPECT_NO_THROW(fds.push_back(followers.open("db", OutputStream::Stdout, "", 0)));
    EXPECT_EQ(followers.size(), OutputFollowers::kMaxFollowers);
}

}  // namespace
