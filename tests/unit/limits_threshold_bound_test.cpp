// The cheap bound that lets the threshold check skip the /proc scan: it may say "certainly under" only
// when the full probe would find every dimension under the threshold.
#include <gtest/gtest.h>

#include "limits_fake_root.h"
#include "os/limits/LimitsProbe.h"
#include "os/limits/ThresholdBound.h"

namespace sup::os::limits {
namespace {

using test::FakeRoot;

constexpr pid_t kDaemon = 100;

// A root-run daemon with 10 fds of 1,024, in a pids cgroup with room, on a machine of 100 tasks.
class ThresholdBoundTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root.passwd(test::kPasswd);
        root.addProcess({kDaemon, 1, 0, "supervisord", 'S', 2});
        root.setLimits(kDaemon, 1000, 1024);
        root.addFds(kDaemon, 0, 10);
        root.setKernel(10000, 32768);
        root.write("proc/loadavg", "0.00 0.01 0.05 1/100 4567\n");
        root.write("proc/100/cgroup", "8:pids:/supervisord-test\n");
        root.pidsCgroupV1("/", "", 0, 0, "");
        root.pidsCgroupV1("/supervisord-test", "500", 50, 0, "100\n");
    }
    bool under(std::vector<uid_t> uids = {}, unsigned warn = 80) {
        return certainlyUnderThreshold(root.fs(), ProbeRequest{kDaemon, warn, std::move(uids)});
    }
    // Every dimension of the full probe is under the threshold (what "certainly under" promises).
    bool probeFindsAllUnder(std::vector<uid_t> uids = {}, unsigned warn = 80) {
        auto report = probeLimits(root.fs(), ProbeRequest{kDaemon, warn, std::move(uids)});
        return report.bindingId.empty();
    }

    FakeRoot root;
};

TEST(LoadavgTasks, TheFieldAfterTheSlash) {
    EXPECT_EQ(parseLoadavgTasks("0.00 0.01 0.05 1/123 4567\n"), 123u);
    EXPECT_EQ(parseLoadavgTasks("12.50 3.10 0.90 17/20480 999999"), 20480u);
    EXPECT_FALSE(parseLoadavgTasks(""));
    EXPECT_FALSE(parseLoadavgTasks("0.00 0.01 0.05 123 4567"));
    EXPECT_FALSE(parseLoadavgTasks("0.00 0.01 0.05 1/ 4567"));
    EXPECT_FALSE(parseLoadavgTasks("0.00 0.01"));
}

TEST_F(ThresholdBoundTest, FarFromEveryLimitIsCertainlyUnder) {
    EXPECT_TRUE(under());
    EXPECT_TRUE(probeFindsAllUnder());
}

TEST_F(ThresholdBoundTest, WithoutTheTaskCountNothingIsCertain) {
    root.write("proc/loadavg", "garbage\n");
    EXPECT_FALSE(under());
}

TEST_F(ThresholdBoundTest, APidsCgroupNearItsMaxNeedsTheProbe) {
    root.pidsCgroupV1("/supervisord-test", "500", 400, 0, "100\n");  // 80%
    EXPECT_FALSE(under());
    EXPECT_FALSE(probeFindsAllUnder());
    root.pidsCgroupV1("/supervisord-test", "500", 399, 0, "100\n");
    EXPECT_TRUE(under());
}

TEST_F(ThresholdBoundTest, TheMachinesTasksBoundThreadsMaxAndPidMax) {
    root.write("proc/loadavg", "0.00 0.01 0.05 1/8000 4567\n");  // 80% of threads-max 10,000
    EXPECT_FALSE(under());
    root.setKernel(100000, 9000);  // now pid_max is the near one
    EXPECT_FALSE(under());
    root.setKernel(100000, 100000);
    EXPECT_TRUE(under());
}

TEST_F(ThresholdBoundTest, RlimitNprocCountsOnlyForUsersOtherThanRoot) {
    root.write("proc/loadavg", "0.00 0.01 0.05 1/900 4567\n");  // 90% of the daemon's nproc 1,000
    EXPECT_TRUE(under()) << "uid 0 is exempt from RLIMIT_NPROC";
    EXPECT_FALSE(under({65534})) << "a service user's tasks could be all of them";
    root.addProcess({kDaemon, 1, 1000, "supervisord", 'S', 2});  // the daemon runs as alice
    EXPECT_FALSE(under());
}

TEST_F(ThresholdBoundTest, TheDaemonsDescriptorsAreCountedExactly) {
    root.addFds(kDaemon, 10, 810);  // 820 of 1,024
    EXPECT_FALSE(under());
    EXPECT_FALSE(probeFindsAllUnder());
}

TEST_F(ThresholdBoundTest, ALowerThresholdIsHarderToRuleOut) {
    EXPECT_TRUE(under({}, 80));
    EXPECT_FALSE(under({}, 10)) << "50 of 500 in the pids cgroup is 10%";
}

}  // namespace
}  // namespace sup::os::limits
