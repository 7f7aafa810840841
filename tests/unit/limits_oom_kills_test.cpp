// An OOM kill is told from any other SIGKILL by the memory cgroup's oom_kill counter: read from a
// fake /proc and /sys (cgroup v1 and v2), and the pure decision over the readings.
#include <signal.h>

#include <gtest/gtest.h>

#include "core/OomKillWatch.h"
#include "limits_fake_root.h"
#include "os/limits/OomKills.h"

namespace {

using namespace sup::os::limits;
using sup::os::limits::test::FakeRoot;

constexpr pid_t kDaemon = 4000;

TEST(LimitsOomKills, ParsesTheOomKillLine) {
    EXPECT_EQ(keyedValue("oom_kill_disable 0\nunder_oom 0\noom_kill 7\n", "oom_kill"), 7u);
    EXPECT_EQ(keyedValue("low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n", "oom_kill"), 2u);
    EXPECT_EQ(keyedValue("oom_kill_disable 0\nunder_oom 0\n", "oom_kill"), std::nullopt);  // before 4.13
    EXPECT_EQ(keyedValue("oom_kill x\n", "oom_kill"), std::nullopt);
    EXPECT_EQ(keyedValue("max 12", "max"), 12u);  // pids.events, no final newline
}

TEST(LimitsOomKills, CgroupV1ReadsMemoryOomControlOfTheDaemonsCgroup) {
    FakeRoot root;
    root.write("proc/4000/cgroup", "9:pids:/\n4:memory:/supervisord\n0::/\n");
    root.write("proc/4000/mountinfo",
               "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
               "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n");
    root.write("sys/fs/cgroup/memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 40\n");
    root.write("sys/fs/cgroup/memory/supervisord/memory.oom_control",
               "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    EXPECT_EQ(readOomKills(root.fs(), kDaemon), 3u);
}

TEST(LimitsOomKills, CgroupV2ReadsMemoryEvents) {
    FakeRoot root;
    root.write("proc/4000/cgroup", "0::/system.slice/supervisord.service\n");
    root.write("proc/4000/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    root.write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
    root.write("sys/fs/cgroup/system.slice/supervisord.service/memory.events",
               "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    EXPECT_EQ(readOomKills(root.fs(), kDaemon), 1u);
}

TEST(LimitsOomKills, NoMemoryControllerIsUnknown) {
    FakeRoot root;
    root.write("proc/4000/cgroup", "9:pids:/\n0::/\n");
    root.write("proc/4000/mountinfo", "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
    root.mkdir("sys/fs/cgroup/pids");
    EXPECT_EQ(readOomKills(root.fs(), kDaemon), std::nullopt);
}

TEST(CoreOomKillWatch, ASigkillIsAnOomKillOnlyWhenTheCounterGrew) {
    const auto kill = sup::ExitStatus::killed(SIGKILL);
    sup::OomKillWatch watch;
    watch.baseline(5);
    EXPECT_FALSE(watch.killedByOom(kill, 5));  // an operator's kill -9
    EXPECT_TRUE(watch.killedByOom(kill, 6));
    EXPECT_FALSE(watch.killedByOom(kill, 6));  // a second victim reaped with it: plain SIGKILL
    EXPECT_FALSE(watch.killedByOom(sup::ExitStatus::killed(SIGTERM), 9));
    EXPECT_FALSE(watch.killedByOom(sup::ExitStatus::exited(137), 9));
    EXPECT_FALSE(watch.killedByOom(kill, std::nullopt));  // unreadable: never claimed
    EXPECT_TRUE(watch.killedByOom(kill, 10));             // grew since the last reading (6)
}

TEST(CoreOomKillWatch, WithoutABaselineTheFirstReadingBecomesIt) {
    const auto kill = sup::ExitStatus::killed(SIGKILL);
    sup::OomKillWatch watch;
    watch.baseline(std::nullopt);
    EXPECT_FALSE(watch.killedByOom(kill, 4));
    EXPECT_TRUE(watch.killedByOom(kill, 5));
}

TEST(CoreOomKillWatch, TheExitSaysWhoKilled) {
    auto status = sup::ExitStatus::killed(SIGKILL);
    EXPECT_EQ(status.describe(), "signal KILL");
    status.oomKilled = true;
    EXPECT_EQ(status.describe(), "killed by the OOM killer, signal KILL");
}

}  // namespace
