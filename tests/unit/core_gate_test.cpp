// The ForkGate: one probe at a time under pressure, then admission one after another.
#include <gtest/gtest.h>

#include "core/ForkGate.h"

using namespace sup;
using namespace std::chrono_literals;

namespace {

struct GateTest : ::testing::Test {
    ManualClock clock;
    double jitter = 0.5;  // factor 1.0
    ForkGate gate{[this] { return jitter; }, BackoffSpec{100ms, 1600ms, 0ms}};
};

TEST_F(GateTest, OpenUntilAForkFails) {
    EXPECT_FALSE(gate.closed());
    EXPECT_FALSE(gate.deadline());
    gate.failed("a", clock.now());
    EXPECT_TRUE(gate.closed());
    EXPECT_EQ(*gate.deadline(), clock.now() + 100ms);
}

TEST_F(GateTest, OneProbeAtATimeWithExponentialBackoff) {
    for (auto n : {"a", "b", "c"}) gate.failed(n, clock.now());
    // Three failures in a row: 100, 200, 400 ms.
    EXPECT_EQ(*gate.deadline(), clock.now() + 400ms);
    EXPECT_FALSE(gate.admitNext(clock.now()));
    clock.advance(400ms);
    auto first = gate.admitNext(clock.now());
    ASSERT_TRUE(first);
    EXPECT_FALSE(gate.admitNext(clock.now())) << "only one probe while it is forking";
    gate.failed(*first, clock.now());
    EXPECT_EQ(*gate.deadline(), clock.now() + 800ms);
    EXPECT_TRUE(gate.contains(*first));
}

TEST_F(GateTest, AfterASuccessTheRestAreAdmittedOneAfterAnother) {
    for (auto n : {"a", "b", "c"}) gate.enqueue(n, clock.now());
    gate.failed("a", clock.now());
    clock.advance(100ms);
    std::vector<std::string> order;
    while (gate.closed()) {
        auto next = gate.admitNext(clock.now());
        ASSERT_TRUE(next);
        EXPECT_FALSE(gate.admitNext(clock.now()));
        order.push_back(*next);
        gate.succeeded(clock.now());
        EXPECT_EQ(gate.consecutiveFailures(), 0u);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_FALSE(gate.deadline());
}

TEST_F(GateTest, JitterSpreadsRetries) {
    jitter = 0.0;
    gate.failed("a", clock.now());
    EXPECT_EQ(*gate.deadline(), clock.now() + 75ms);
    jitter = 0.999;
    gate.failed("a", clock.now());
    auto d = *gate.deadline() - clock.now();  // second failure: base 200ms, +25% at most
    EXPECT_GT(d, 245ms);
    EXPECT_LE(d, 250ms);
}

TEST_F(GateTest, RemovedAndAbandonedInstancesDoNotBlockTheQueue) {
    gate.enqueue("a", clock.now());
    gate.enqueue("b", clock.now());
    gate.failed("a", clock.now());
    gate.remove("a");
    clock.advance(1s);
    auto next = gate.admitNext(clock.now());
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, "b");
    gate.abandoned(clock.now());
    EXPECT_FALSE(gate.closed());
}

}  // namespace
