// EventLoop: dispatch, handlers that remove themselves or others mid-dispatch, prepare-hook timeouts, stop.
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include "os/EventLoop.h"
#include "os/TimerFd.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

// A pipe with a byte in it: readable until drained, which the loop keeps reporting (level-triggered).
struct ReadablePipe {
    OutputPipe pipe = OutputPipe::create();
    ReadablePipe() {
        char c = 'x';
        if (::write(pipe.writeEnd.get(), &c, 1) != 1) throw std::runtime_error("write");
    }
    int fd() const { return pipe.readEnd.get(); }
};

using Ms = std::chrono::milliseconds;

Ms elapsedSince(TimePoint start) {
    return std::chrono::duration_cast<Ms>(Clock::now() - start);
}

TEST(EventLoop, DispatchesReadyFdsToTheirHandlers) {
    EventLoop loop;
    ReadablePipe a, b;
    OutputPipe idle = OutputPipe::create();
    int aCalls = 0, bCalls = 0, idleCalls = 0;
    std::uint32_t aEvents = 0;
    loop.add(a.fd(), EPOLLIN, [&](std::uint32_t ev) {
        ++aCalls;
        aEvents = ev;
    });
    loop.add(b.fd(), EPOLLIN, [&](std::uint32_t) { ++bCalls; });
    loop.add(idle.readEnd.get(), EPOLLIN, [&](std::uint32_t) { ++idleCalls; });
    EXPECT_TRUE(loop.watching(a.fd()));

    EXPECT_EQ(loop.runOnce(5000), 2);
    EXPECT_EQ(aCalls, 1);
    EXPECT_EQ(bCalls, 1);
    EXPECT_EQ(idleCalls, 0);
    EXPECT_TRUE(aEvents & EPOLLIN);
    EXPECT_EQ(loop.iterations(), 1u);

    loop.modify(a.fd(), 0);  // no longer interested: a stays readable but silent
    EXPECT_EQ(loop.runOnce(5000), 1);
    EXPECT_EQ(aCalls, 1);
    EXPECT_EQ(bCalls, 2);
    for (int fd : {a.fd(), b.fd(), idle.readEnd.get()}) loop.remove(fd);
    EXPECT_FALSE(loop.watching(a.fd()));
}

TEST(EventLoop, AddingTheSameFdTwiceThrows) {
    EventLoop loop;
    ReadablePipe a;
    loop.add(a.fd(), EPOLLIN, [](std::uint32_t) {});
    EXPECT_THROW(loop.add(a.fd(), EPOLLIN, [](std::uint32_t) {}), std::system_error);
    loop.remove(a.fd());
    loop.remove(a.fd());  // removing twice is harmless
}

TEST(EventLoop, HandlersMayRemoveThemselvesAndOthersMidDispatch) {
    EventLoop loop;
    ReadablePipe a, b;
    int calls = 0;
    // Heap-allocated state captured by value: if the loop destroyed a handler while it was still running,
    // reading it after remove() would be a use-after-free (caught under ASan).
    auto makeHandler = [&](std::string tag) {
        return [&, tag](std::uint32_t) {
            ++calls;
            loop.remove(a.fd());
            loop.remove(b.fd());
            EXPECT_EQ(tag.size(), 64u);
        };
    };
    loop.add(a.fd(), EPOLLIN, makeHandler(std::string(64, 'a')));
    loop.add(b.fd(), EPOLLIN, makeHandler(std::string(64, 'b')));

    EXPECT_EQ(loop.runOnce(5000), 2);  // both were ready in the same batch...
    EXPECT_EQ(calls, 1);               // ...but the second had been removed by the first
    EXPECT_FALSE(loop.watching(a.fd()));
    EXPECT_FALSE(loop.watching(b.fd()));
    EXPECT_EQ(loop.runOnce(0), 0);
}

TEST(EventLoop, HandlerMayReplaceItselfMidDispatch) {
    EventLoop loop;
    ReadablePipe a;
    int first = 0, second = 0;
    loop.add(a.fd(), EPOLLIN, [&](std::uint32_t) {
        ++first;
        std::string keep(64, 'k');
        loop.remove(a.fd());
        loop.add(a.fd(), EPOLLIN, [&](std::uint32_t) { ++second; });
        EXPECT_EQ(keep.size(), 64u);
    });
    loop.runOnce(5000);
    loop.runOnce(5000);
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1);
    loop.remove(a.fd());
}

// A timer 10 s out that stops the loop, so that a loop ignoring its timeouts (or a stop) returns and fails
// the test instead of hanging the suite.
struct Guard {
    TimerFd timer;
    int fired = 0;
    explicit Guard(EventLoop& loop) {
        timer.armAt(Clock::now() + 10s);
        loop.add(timer.fd(), EPOLLIN, [this, &loop](std::uint32_t) {
            ++fired;
            timer.drain();
            loop.stop();
        });
    }
};

TEST(EventLoop, PrepareHookTimeoutIsHonoured) {
    EventLoop loop;
    Guard guard(loop);
    int hookCalls = 0;
    loop.addPrepareHook([&] {
        ++hookCalls;
        return 50;
    });
    TimePoint start = Clock::now();
    EXPECT_EQ(loop.runOnce(-1), 0);
    EXPECT_EQ(guard.fired, 0);
    EXPECT_EQ(hookCalls, 1);
    EXPECT_GE(elapsedSince(start), Ms(45));  // epoll rounds up, never down; allow clock granularity
    EXPECT_LT(elapsedSince(start), Ms(5000));
    loop.remove(guard.timer.fd());
}

TEST(EventLoop, ShortestOfCallerAndHooksWins) {
    EventLoop loop;
    Guard guard(loop);
    loop.addPrepareHook([] { return -1; });     // no opinion
    loop.addPrepareHook([] { return 60000; });  // later than the caller's
    TimePoint start = Clock::now();
    EXPECT_EQ(loop.runOnce(30), 0);
    EXPECT_LT(elapsedSince(start), Ms(5000));
    EXPECT_EQ(guard.fired, 0);

    loop.addPrepareHook([] { return 0; });  // "something is due now"
    start = Clock::now();
    EXPECT_EQ(loop.runOnce(-1), 0);
    EXPECT_LT(elapsedSince(start), Ms(5000));
    loop.remove(guard.timer.fd());
}

TEST(EventLoop, StopFromAHookSkipsTheWait) {
    EventLoop loop;
    Guard guard(loop);
    loop.addPrepareHook([&] {
        loop.stop();
        return -1;
    });
    TimePoint start = Clock::now();
    EXPECT_EQ(loop.runOnce(-1), 0);
    EXPECT_LT(elapsedSince(start), Ms(5000));
    EXPECT_TRUE(loop.stopped());
    loop.remove(guard.timer.fd());
}

TEST(EventLoop, RunUntilAHandlerStops) {
    EventLoop loop;
    Guard guard(loop);
    TimerFd timer;
    int fired = 0;
    loop.add(timer.fd(), EPOLLIN, [&](std::uint32_t) {
        timer.drain();
        if (++fired == 3) {
            loop.stop();
        } else {
            timer.armAt(Clock::now() + 10ms);
        }
    });
    timer.armAt(Clock::now() + 10ms);
    loop.run();
    EXPECT_EQ(fired, 3);
    EXPECT_EQ(guard.fired, 0);
    EXPECT_TRUE(loop.stopped());

    loop.resume();
    EXPECT_FALSE(loop.stopped());
    loop.remove(timer.fd());
    loop.remove(guard.timer.fd());
}

}  // namespace
}  // namespace sup::os::test
