// Parsing of the /proc and /sys texts the limit probes read, and the small helpers around them.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "os/limits/ForkDiagnosis.h"
#include "os/limits/FsRoot.h"
#include "os/limits/PidsCgroup.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/ProcTable.h"
#include "os/limits/ProcessDoctor.h"
#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

TEST(LimitsParse, StatusFieldsTakeTheRealUidAndThreadCount) {
    auto e = parseStatus(42,
                         "Name:\tssh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\nPPid:\t7\n"
                         "Uid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\nThreads:\t12\n");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->pid, 42);
    EXPECT_EQ(e->ppid, 7);
    EXPECT_EQ(e->realUid, 1000u);  // the real uid, not the effective 0 of a setuid program
    EXPECT_EQ(e->state, 'S');
    EXPECT_EQ(e->threads, 12u);
    EXPECT_EQ(e->comm, "ssh");
}

TEST(LimitsParse, StatusWithoutUidIsRejected) {
    EXPECT_FALSE(parseStatus(1, "Name:\tx\nState:\tR\n"));
}

TEST(LimitsParse, ProcLimitsRows) {
    auto rl = parseProcLimits(
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max processes             50                   100                  processes \n"
        "Max open files            unlimited            unlimited            files     \n"
        "Max pending signals       7823                 7823                 signals   \n");
    ASSERT_TRUE(rl.nproc);
    EXPECT_EQ(rl.nproc->soft, 50u);
    EXPECT_EQ(rl.nproc->hard, 100u);
    ASSERT_TRUE(rl.nofile);
    EXPECT_EQ(rl.nofile->soft, kUnlimited);
}

TEST(LimitsParse, ProcLimitsMissingRowsStayUnknown) {
    auto rl = parseProcLimits("Max processes             junk                 1   processes\n");
    EXPECT_FALSE(rl.nproc);
    EXPECT_FALSE(rl.nofile);
}

TEST(LimitsParse, FdinfoFlagsAreOctal) {
    auto flags = parseFdinfoFlags("pos:\t0\nflags:\t0104001\nmnt_id:\t15\n");
    ASSERT_TRUE(flags);
    EXPECT_TRUE(*flags & O_NONBLOCK);
    EXPECT_EQ(*flags & O_ACCMODE, static_cast<unsigned>(O_WRONLY));
    auto blocking = parseFdinfoFlags("pos:\t0\nflags:\t02\n");
    ASSERT_TRUE(blocking);
    EXPECT_FALSE(*blocking & O_NONBLOCK);
    EXPECT_FALSE(parseFdinfoFlags("pos:\t0\n"));
    EXPECT_FALSE(parseFdinfoFlags("flags:\t0109\n"));  // 9 is not octal
}

TEST(LimitsParse, MountinfoFindsCgroupMountsAndUnescapes) {
    auto m = parseMountinfo(
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "38 30 0:35 /docker/abc /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
        "40 30 0:37 / /mnt/with\\040space rw,relatime - cgroup2 cgroup2 rw\n");
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[1].root, "/docker/abc");
    EXPECT_EQ(m[1].mountPoint, "/sys/fs/cgroup/pids");
    EXPECT_EQ(m[1].fsType, "cgroup");
    EXPECT_EQ(m[1].superOptions, "rw,pids");
    EXPECT_EQ(m[2].mountPoint, "/mnt/with space");
    EXPECT_EQ(m[2].fsType, "cgroup2");
}

TEST(LimitsParse, SystemdUnitOfCgroupPath) {
    EXPECT_EQ(systemdUnitOf("/system.slice/supervisord.service"), "supervisord.service");
    EXPECT_EQ(systemdUnitOf("/user.slice"), "user.slice");
    EXPECT_EQ(systemdUnitOf("/supervisord-test"), "");
    EXPECT_EQ(systemdUnitOf("/"), "");
}

TEST(LimitsParse, LimitValues) {
    EXPECT_EQ(parseLimitValue("max\n"), 0u);
    EXPECT_EQ(parseLimitValue(" 64\n"), 64u);
    EXPECT_FALSE(parseLimitValue("64k"));
    EXPECT_FALSE(parseU64(""));
}

TEST(LimitsParse, TopConsumersSortedByCountThenNameAtMostFive) {
    ConsumerTally t;
    for (auto [name, n] : std::initializer_list<std::pair<const char*, int>>{
             {"ssh", 1500}, {"python3", 300}, {"b", 2}, {"a", 2}, {"c", 1}, {"d", 1}, {"ssh", 1}})
        t.add(name, static_cast<std::uint64_t>(n));
    auto top = t.top();
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0].command, "ssh");
    EXPECT_EQ(top[0].count, 1501u);
    EXPECT_EQ(top[1].command, "python3");
    EXPECT_EQ(top[2].command, "a");  // equal counts by name
    EXPECT_EQ(top[3].command, "b");
    EXPECT_EQ(formatTop(top, 2), "ssh 1501, python3 300");
}

TEST(LimitsParse, ErrnoNames) {
    EXPECT_EQ(errnoName(EAGAIN), "EAGAIN");
    EXPECT_EQ(errnoName(ENOMEM), "ENOMEM");
    EXPECT_EQ(errnoName(99999), "errno 99999");
}

TEST(LimitsParse, FsRootPathsAndMissingFiles) {
    FsRoot host("/");
    EXPECT_TRUE(host.isHostRoot());
    EXPECT_EQ(host.path("proc/1/status"), "/proc/1/status");
    EXPECT_FALSE(host.read("proc/no-such-file"));
    EXPECT_TRUE(host.listNumeric("no/such/dir").empty());
}

}  // namespace
}  // namespace sup::os::limits
