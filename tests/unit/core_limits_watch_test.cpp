#include <gtest/gtest.h>

#include "core/LimitsWatch.h"

using namespace sup;

namespace {

LimitsReport reportWith(double pidsPercent, double nprocPercent) {
    LimitsReport r;
    r.warnPercent = 80;
    r.dimensions.push_back({"pids-cgroup", "pids cgroup", 0, 100, pidsPercent, 0, {}, "", ""});
    r.dimensions.push_back({"nproc:uid=1000", "RLIMIT_NPROC", 0, 100, nprocPercent, 0, {}, "", ""});
    return r;
}

TEST(LimitsWatch, WarnsOnceOnCrossingAndAgainOnlyAfterDroppingBack) {
    LimitsWatch w;
    auto r1 = reportWith(50, 10);
    EXPECT_TRUE(w.update(r1).crossed.empty());

    auto r2 = reportWith(85, 10);
    auto c2 = w.update(r2);
    ASSERT_EQ(c2.crossed.size(), 1u);
    EXPECT_EQ(c2.crossed[0]->id, "pids-cgroup");

    auto r3 = reportWith(95, 10);  // still over: no second warning
    auto c3 = w.update(r3);
    EXPECT_TRUE(c3.crossed.empty());
    EXPECT_TRUE(c3.cleared.empty());

    auto r4 = reportWith(40, 10);
    auto c4 = w.update(r4);
    ASSERT_EQ(c4.cleared.size(), 1u);
    EXPECT_EQ(c4.cleared[0]->id, "pids-cgroup");

    auto r5 = reportWith(81, 90);  // crossed again, and a second dimension too
    EXPECT_EQ(w.update(r5).crossed.size(), 2u);
}

TEST(LimitsThreshold, ExactlyAtTheThresholdIsOverAndAnUnknownLimitNever) {
    LimitDimension d{"pids-cgroup", "pids cgroup", 80, 100, 80.0, 0, {}, "", ""};
    EXPECT_TRUE(atOrOverThreshold(d, 80));
    d.percent = 79.99;
    EXPECT_FALSE(atOrOverThreshold(d, 80));
    d.limit = 0;  // unlimited, whatever the percentage says
    d.percent = 100;
    EXPECT_FALSE(atOrOverThreshold(d, 80));
    EXPECT_FALSE(atOrOverThreshold(d, 1));
}

TEST(LimitsWatch, UnlimitedDimensionsNeverWarn) {
    LimitsWatch w;
    LimitsReport r;
    r.warnPercent = 80;
    r.dimensions.push_back({"nofile", "open files", 5000, 0, 100, 0, {}, "", ""});
    EXPECT_TRUE(w.update(r).crossed.empty());
}

}  // namespace
