// The limit dimensions read from a fake /proc + /sys + /etc tree.
#include <gtest/gtest.h>

#include "limits_fake_root.h"
#include "os/limits/LimitsProbe.h"
#include "os/limits/PidsCgroup.h"

namespace sup::os::limits {
namespace {

using test::FakeProcess;
using test::FakeRoot;

constexpr pid_t kDaemon = 100;

const LimitDimension* findDim(const LimitsReport& r, const std::string& id) {
    for (auto& d : r.dimensions)
        if (d.id == id) return &d;
    return nullptr;
}

bool hasConsumer(const LimitDimension& d, const std::string& command, std::uint64_t count) {
    for (auto& c : d.top)
        if (c.command == command && c.count == count) return true;
    return false;
}

// A root-run daemon (pid 100) with three sleeps of nobody, a 4-thread ssh of alice, and kernel limits.
class LimitsProbeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root.passwd(test::kPasswd);
        root.addProcess({kDaemon, 1, 0, "supervisord", 'S', 2});
        root.setLimits(kDaemon, 50, 1024);
        root.addFds(kDaemon, 0, 10);
        for (pid_t p : {200, 201, 202}) root.addProcess({p, kDaemon, 65534, "sleep", 'S', 1});
        root.addProcess({300, 1, 1000, "ssh", 'S', 4});
        root.setKernel(1000, 32768);
    }
    LimitsReport probe(std::vector<uid_t> uids = {}, unsigned warn = 80) {
        return probeLimits(root.fs(), ProbeRequest{kDaemon, warn, std::move(uids)});
    }

    FakeRoot root;
};

TEST_F(LimitsProbeTest, PidsCgroupV1WithItsNumbersHitsAndSubtreeConsumers) {
    root.write("proc/100/cgroup", "9:name=systemd:/\n8:pids:/supervisord-test\n1:cpu:/\n0::/\n");
    root.pidsCgroupV1("/", "", 0, 0, "1\n300\n");
    root.pidsCgroupV1("/supervisord-test", "3", 3, 12, "100\n200\n");
    root.pidsCgroupV1("/supervisord-test/child", "max", 1, 0, "201\n");
    auto r = probe();
    auto d = findDim(r, "pids-cgroup");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->title, "pids cgroup /supervisord-test");
    EXPECT_EQ(d->used, 3u);
    EXPECT_EQ(d->limit, 3u);
    EXPECT_DOUBLE_EQ(d->percent, 100.0);
    EXPECT_EQ(d->hitCount, 12u);
    EXPECT_EQ(d->source, root.dir() + "/sys/fs/cgroup/pids/supervisord-test/pids.max");
    EXPECT_TRUE(hasConsumer(*d, "sleep", 2)) << "the child cgroup belongs to the subtree";
    EXPECT_TRUE(hasConsumer(*d, "supervisord", 2)) << "a process counts with its threads";
    EXPECT_FALSE(hasConsumer(*d, "ssh", 4)) << "ssh is outside the subtree";
    EXPECT_EQ(r.bindingId, "pids-cgroup");
}

TEST_F(LimitsProbeTest, TheAncestorWithLeastRoomBindsAndTheNoteSaysSo) {
    root.write("proc/100/cgroup", "8:pids:/system.slice/supervisord.service\n");
    root.pidsCgroupV1("/", "", 0, 0, "");
    root.pidsCgroupV1("/system.slice", "10", 9, 1, "300\n");
    root.pidsCgroupV1("/system.slice/supervisord.service", "100", 5, 4, "100\n200\n");
    auto r = probe();
    auto d = findDim(r, "pids-cgroup");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->title, "pids cgroup /system.slice");
    EXPECT_EQ(d->used, 9u);
    EXPECT_EQ(d->limit, 10u);
    EXPECT_EQ(d->hitCount, 4u) << "refusals are counted where the forking task lives";
    EXPECT_NE(d->note.find("TasksMax= of system.slice"), std::string::npos) << d->note;
    EXPECT_NE(d->note.find("ancestor"), std::string::npos) << d->note;
    EXPECT_TRUE(hasConsumer(*d, "ssh", 4));
    EXPECT_TRUE(hasConsumer(*d, "sleep", 1));
}

TEST_F(LimitsProbeTest, SystemdUnitCgroupMentionsTasksMax) {
    root.write("proc/100/cgroup", "8:pids:/system.slice/supervisord.service\n");
    root.pidsCgroupV1("/", "", 0, 0, "");
    root.pidsCgroupV1("/system.slice", "max", 9, 0, "");
    root.pidsCgroupV1("/system.slice/supervisord.service", "64", 5, 0, "100\n");
    auto r = probe();
    auto d = findDim(r, "pids-cgroup");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->limit, 64u);
    EXPECT_NE(d->note.find("TasksMax= of supervisord.service"), std::string::npos) << d->note;
}

TEST_F(LimitsProbeTest, RootCgroupIsUnlimited) {
    root.write("proc/100/cgroup", "8:pids:/\n");
    root.pidsCgroupV1("/", "", 0, 0, "");
    auto r = probe();
    auto d = findDim(r, "pids-cgroup");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->limit, 0u);
    EXPECT_EQ(d->percent, 0.0);
    EXPECT_EQ(d->used, 2u + 3u + 4u) << "the root holds every task";
    EXPECT_NE(d->note.find("root pids cgroup"), std::string::npos) << d->note;
}

TEST_F(LimitsProbeTest, PidsCgroupV2FoundThroughMountinfo) {
    root.write("proc/100/cgroup", "0::/sup.service\n");
    root.write("proc/100/mountinfo", "40 30 0:37 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
    root.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    root.write("sys/fs/cgroup/sup.service/pids.max", "8\n");
    root.write("sys/fs/cgroup/sup.service/pids.current", "8\n");
    root.write("sys/fs/cgroup/sup.service/pids.events", "max 2\n");
    root.write("sys/fs/cgroup/sup.service/cgroup.procs", "100\n201\n");
    auto r = probe();
    auto d = findDim(r, "pids-cgroup");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->used, 8u);
    EXPECT_EQ(d->limit, 8u);
    EXPECT_EQ(d->hitCount, 2u);
    EXPECT_EQ(r.bindingId, "pids-cgroup");
}

TEST_F(LimitsProbeTest, UnifiedHierarchyWithoutPidsControllerHasNoDimension) {
    // The hybrid layout of this project's CI machine: v2 mounted but pids is a v1 controller elsewhere.
    root.write("proc/100/cgroup", "0::/\n");
    root.write("proc/100/mountinfo", "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    root.write("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
    EXPECT_FALSE(findDim(probe(), "pids-cgroup"));
}

TEST_F(LimitsProbeTest, MountRootIsStrippedFromTheCgroupPath) {
    root.write("proc/100/cgroup", "8:pids:/docker/abc/sup\n");
    root.write("proc/100/mountinfo",
               "38 30 0:35 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
    root.pidsCgroupV1("/sup", "20", 19, 0, "100\n");
    auto loc = locatePidsCgroup(root.fs(), kDaemon);
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->base, "sys/fs/cgroup/pids");
    EXPECT_EQ(loc->path, "/sup");
    EXPECT_EQ(findDim(probe(), "pids-cgroup")->limit, 20u);
}

TEST_F(LimitsProbeTest, NprocCountsTasksOfTheRealUidAgainstTheDaemonsLimit) {
    auto r = probe({65534, 1000, 65534});
    std::vector<std::string> ids;
    for (auto& d : r.dimensions) ids.push_back(d.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"nproc:uid=0", "nproc:uid=1000", "nproc:uid=65534",
                                             "threads-max", "pid-max", "nofile"}));
    auto nobody = findDim(r, "nproc:uid=65534");
    EXPECT_EQ(nobody->title, "RLIMIT_NPROC of uid 65534 (nobody)");
    EXPECT_EQ(nobody->used, 3u);
    EXPECT_EQ(nobody->limit, 50u);
    EXPECT_DOUBLE_EQ(nobody->percent, 6.0);
    ASSERT_EQ(nobody->top.size(), 1u);
    EXPECT_EQ(nobody->top[0].command, "sleep");
    EXPECT_EQ(findDim(r, "nproc:uid=1000")->used, 4u) << "threads count";
}

TEST_F(LimitsProbeTest, RootIsExemptFromNproc) {
    auto r = probe();
    auto d = findDim(r, "nproc:uid=0");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->used, 2u);
    EXPECT_EQ(d->percent, 0.0);
    EXPECT_NE(d->note.find("exempt"), std::string::npos) << d->note;
}

TEST_F(LimitsProbeTest, TheDaemonsUidFromTheTableElseFromItsStatusFile) {
    root.addProcess({kDaemon, 1, 1000, "supervisord", 'S', 2});
    EXPECT_EQ(daemonUid(root.fs(), kDaemon, ProcessTable{}), 1000u) << "a table without a scan";
    ProcessEntry daemon;
    daemon.pid = kDaemon;
    daemon.realUid = 65534;
    ProcessTable scanned;
    scanned.processes.push_back(daemon);
    EXPECT_EQ(daemonUid(root.fs(), kDaemon, scanned), 65534u) << "the table, when it has the daemon";
    EXPECT_FALSE(daemonUid(root.fs(), 999, ProcessTable{})) << "no status file, and not the host root";
}

TEST_F(LimitsProbeTest, NprocNoteWhenLimitsConfWouldSetSomethingElse) {
    root.write("etc/security/limits.conf", "nobody soft nproc 4096\nalice - nproc 50\n");
    auto r = probe({65534, 1000});
    auto nobody = findDim(r, "nproc:uid=65534");
    EXPECT_NE(nobody->note.find("limits.conf would set nproc soft 4096"), std::string::npos) << nobody->note;
    EXPECT_NE(nobody->note.find("/etc/security/limits.conf:1"), std::string::npos) << nobody->note;
    EXPECT_EQ(findDim(r, "nproc:uid=1000")->note, "") << "limits.conf agrees with the daemon's 50";
}

TEST_F(LimitsProbeTest, KernelDimensionsCountEveryTask) {
    auto r = probe();
    auto threads = findDim(r, "threads-max");
    ASSERT_TRUE(threads);
    EXPECT_EQ(threads->used, 9u);
    EXPECT_EQ(threads->limit, 1000u);
    EXPECT_DOUBLE_EQ(threads->percent, 0.9);
    EXPECT_EQ(threads->top.front().command, "ssh");
    auto pids = findDim(r, "pid-max");
    ASSERT_TRUE(pids);
    EXPECT_EQ(pids->used, 9u);
    EXPECT_EQ(pids->limit, 32768u);
}

TEST_F(LimitsProbeTest, NofileCountsTheDaemonsDescriptors) {
    auto r = probe();
    auto d = findDim(r, "nofile");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->used, 10u);
    EXPECT_EQ(d->limit, 1024u);
}

TEST_F(LimitsProbeTest, BindingIsTheFullestAtOrOverTheThreshold) {
    root.setKernel(12, 32768);  // 9/12 = 75 %
    EXPECT_EQ(probe({}, 80).bindingId, "");
    EXPECT_EQ(probe({}, 75).bindingId, "threads-max");
    root.setLimits(kDaemon, 50, 11);  // 10/11 = 91 %
    EXPECT_EQ(probe({}, 75).bindingId, "nofile");
}

TEST(LimitsBinding, HighestPercentWinsUnlimitedAndZeroNever) {
    std::vector<LimitDimension> dims(4);
    dims[0] = {"a", "", 5, 10, 50.0, 0, {}, "", ""};
    dims[1] = {"b", "", 9, 10, 90.0, 0, {}, "", ""};
    dims[2] = {"c", "", 95, 100, 95.0, 0, {}, "", ""};
    dims[3] = {"d", "", 1000, 0, 0.0, 0, {}, "", ""};
    EXPECT_EQ(chooseBinding(dims, 80), "c");
    EXPECT_EQ(chooseBinding(dims, 96), "");
    EXPECT_EQ(chooseBinding(dims, 0), "c");
}

TEST(LimitsHost, RealMachineHasSaneKernelDimensions) {
    FsRoot host("/");
    auto r = probeLimits(host, ProbeRequest{::getpid(), 80, {65534}});
    auto threads = findDim(r, "threads-max");
    auto pids = findDim(r, "pid-max");
    ASSERT_TRUE(threads);
    ASSERT_TRUE(pids);
    // This test process and its threads exist, so the counts are at least 1 and below the limits.
    EXPECT_GE(threads->used, 1u);
    EXPECT_GT(threads->limit, threads->used);
    EXPECT_GE(pids->limit, 301u);  // the kernel refuses pid_max values below 301
    EXPECT_GT(pids->limit, pids->used);
    EXPECT_EQ(pids->used, threads->used);
    EXPECT_GT(pids->percent, 0.0);
    EXPECT_LT(pids->percent, 100.0);
    auto own = findDim(r, "nproc:uid=" + std::to_string(::getuid()));
    ASSERT_TRUE(own);
    EXPECT_GE(own->used, 1u);
    auto nofile = findDim(r, "nofile");
    ASSERT_TRUE(nofile);
    EXPECT_GE(nofile->used, 3u);
    EXPECT_GT(nofile->limit, 0u);
}

}  // namespace
}  // namespace sup::os::limits
