// TimerFd driven through the EventLoop: fires once, at (never before) its deadline.
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include "os/EventLoop.h"
#include "os/TimerFd.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

TEST(TimerFd, FiresOnceAtTheDeadline) {
    EventLoop loop;
    TimerFd timer;
    int fired = 0;
    TimePoint firedAt{};
    loop.add(timer.fd(), EPOLLIN, [&](std::uint32_t) {
        ++fired;
        firedAt = Clock::now();
        timer.drain();
    });
    const TimePoint deadline = Clock::now() + 100ms;
    timer.armAt(deadline);

    const TimePoint giveUp = Clock::now() + kDeadline;
    while (fired == 0 && Clock::now() < giveUp) loop.runOnce(100);
    ASSERT_EQ(fired, 1);
    EXPECT_GE(firedAt, deadline);
    EXPECT_LT(firedAt, deadline + 5s);  // generous: sanitizers and loaded CI machines

    // One-shot and drained: nothing more, even though the loop is level-triggered.
    EXPECT_EQ(loop.runOnce(200), 0);
    EXPECT_EQ(fired, 1);
    loop.remove(timer.fd());
}

TEST(TimerFd, DeadlineInThePastFiresAtOnce) {
    TimerFd timer;
    timer.armAt(Clock::now() - 1s);
    EXPECT_TRUE(readableWithin(timer.fd(), 5000));
    timer.drain();
    EXPECT_FALSE(readableWithin(timer.fd(), 0));

    timer.armAt(TimePoint{});  // the clock's epoch itself must not mean "disarm"
    EXPECT_TRUE(readableWithin(timer.fd(), 5000));
}

TEST(TimerFd, DisarmCancels) {
    TimerFd timer;
    timer.armAt(Clock::now() + 50ms);
    timer.disarm();
    EXPECT_FALSE(readableWithin(timer.fd(), 300));
}

TEST(TimerFd, RearmMovesTheDeadline) {
    TimerFd timer;
    timer.armAt(Clock::now() + 1h);
    const TimePoint soon = Clock::now() + 50ms;
    timer.armAt(soon);
    EXPECT_TRUE(readableWithin(timer.fd(), 10000));
    EXPECT_GE(Clock::now(), soon);
}

TEST(TimerFd, DrainWithoutExpiryIsANoOp) {
    TimerFd timer;
    EXPECT_NO_THROW(timer.drain());
}

}  // namespace
}  // namespace sup::os::test
