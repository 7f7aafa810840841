// reapAll, toExitStatus and becomeSubreaper with real children.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "os/Reaper.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

// Child bodies: no allocation, no gtest, only what is safe after fork.
int touchMemoryAndSpin() {
    constexpr size_t kBytes = 32 << 20;
    void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 90;
    std::memset(p, 1, kBytes);  // resident now: counts in ru_maxrss
    // Burn at least 20 ms of CPU so the rusage times cannot be zero.
    for (;;) {
        rusage self{};
        ::getrusage(RUSAGE_SELF, &self);
        if (self.ru_utime.tv_sec * 1000000L + self.ru_utime.tv_usec + self.ru_stime.tv_sec * 1000000L +
                self.ru_stime.tv_usec >=
            20000)
            break;
    }
    return 0;
}

// Collects until every pid in `want` has been reaped (or the deadline), by repeated reapAll().
std::map<pid_t, ReapedChild> reapUntil(const std::vector<pid_t>& want) {
    std::map<pid_t, ReapedChild> got;
    auto until = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < until) {
        for (const ReapedChild& c : reapAll()) got[c.pid] = c;
        if (std::all_of(want.begin(), want.end(), [&](pid_t p) { return got.count(p) != 0; })) break;
        std::this_thread::sleep_for(2ms);
    }
    return got;
}

TEST(Reaper, NothingToReapIsEmpty) {
    // Make sure no child of an earlier test is pending.
    (void)reapAll();
    EXPECT_TRUE(reapAll().empty());
}

TEST(Reaper, RunningChildIsNotReaped) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
    pid_t pid = forkChild([&] {
        char c;
        writeEnd.reset();
        return static_cast<int>(::read(readEnd.get(), &c, 1));  // until the parent closes its end
    });
    readEnd.reset();
    EXPECT_TRUE(reapAll().empty());
    writeEnd.reset();
    auto got = reapUntil({pid});
    ASSERT_EQ(got.count(pid), 1u);
    EXPECT_EQ(toExitStatus(got[pid]).code, 0);
}

TEST(Reaper, CollectsSeveralEndedChildrenInOneCall) {
    std::vector<pid_t> pids;
    for (int code = 0; code < 3; ++code) pids.push_back(forkChild([code] { return code + 10; }));
    for (pid_t pid : pids) ASSERT_TRUE(waitExitedUnreaped(pid)) << pid;

    std::vector<ReapedChild> reaped = reapAll();
    std::map<pid_t, ReapedChild> byPid;
    for (const ReapedChild& c : reaped) byPid[c.pid] = c;
    for (size_t i = 0; i < pids.size(); ++i) {
        ASSERT_EQ(byPid.count(pids[i]), 1u) << "child " << i << " not collected in the one call";
        ExitStatus status = toExitStatus(byPid[pids[i]]);
        EXPECT_FALSE(status.signaled);
        EXPECT_EQ(status.code, static_cast<int>(i) + 10);
    }
    EXPECT_TRUE(reapAll().empty());
}

TEST(Reaper, ReturnsTheChildsResourceUsage) {
    pid_t pid = forkChild(touchMemoryAndSpin);
    auto got = reapUntil({pid});
    ASSERT_EQ(got.count(pid), 1u);
    ExitStatus status = toExitStatus(got[pid]);
    EXPECT_EQ(status.code, 0) << "90 = mmap failed";
    EXPECT_GE(status.maxRssKiB, 32 * 1024);  // ru_maxrss is in KiB on Linux
    EXPECT_GE(status.cpuUser + status.cpuSystem, std::chrono::microseconds(20000));
}

TEST(Reaper, DecodesDeathBySignal) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
    pid_t pid = forkChild([&] {
        char c;
        writeEnd.reset();
        (void)::read(readEnd.get(), &c, 1);
        return 0;
    });
    readEnd.reset();
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    auto got = reapUntil({pid});
    ASSERT_EQ(got.count(pid), 1u);
    ExitStatus status = toExitStatus(got[pid]);
    EXPECT_TRUE(status.signaled);
    EXPECT_EQ(status.signal, SIGTERM);
    EXPECT_FALSE(status.coreDumped);
}

TEST(Reaper, DecodesCoreDumpFlag) {
    // Whether a real crash dumps core depends on the host's core_pattern and limits, so the raw status
    // the kernel would report is built by hand: SIGSEGV with the 0x80 "core dumped" bit.
    ReapedChild child;
    child.pid = 1234;
    child.status = SIGSEGV | 0x80;
    child.usage.ru_maxrss = 777;
    child.usage.ru_utime.tv_sec = 1;
    child.usage.ru_utime.tv_usec = 500;
    ASSERT_TRUE(WIFSIGNALED(child.status) && WCOREDUMP(child.status));
    ExitStatus status = toExitStatus(child);
    EXPECT_TRUE(status.signaled);
    EXPECT_EQ(status.signal, SIGSEGV);
    EXPECT_TRUE(status.coreDumped);
    EXPECT_EQ(status.maxRssKiB, 777);
    EXPECT_EQ(status.cpuUser, std::chrono::microseconds(1000500));
}

// Undoes becomeSubreaper so later tests in the same binary see the usual orphan handling.
struct SubreaperGuard {
    ~SubreaperGuard() { ::prctl(PR_SET_CHILD_SUBREAPER, 0UL, 0UL, 0UL, 0UL); }
};

TEST(Reaper, SubreaperAdoptsOrphanedGrandchild) {
    SubreaperGuard guard;
    becomeSubreaper();
    int isSubreaper = 0;
    ASSERT_EQ(::prctl(PR_GET_CHILD_SUBREAPER, &isSubreaper, 0UL, 0UL, 0UL), 0);
    EXPECT_EQ(isSubreaper, 1);

    // pidPipe: the middle child reports the grandchild's PID. holdPipe: the grandchild lives until the
    // test closes the write end.
    int pidFds[2], holdFds[2];
    ASSERT_EQ(::pipe2(pidFds, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(holdFds, O_CLOEXEC), 0);
    UniqueFd pidRead(pidFds[0]), pidWrite(pidFds[1]), holdRead(holdFds[0]), holdWrite(holdFds[1]);

    pid_t middle = forkChild([&] {
        holdWrite.reset();
        pid_t grandchild = ::fork();
        if (grandchild < 0) return 1;
        if (grandchild == 0) {
            char c;
            (void)::read(holdRead.get(), &c, 1);
            ::_exit(42);
        }
        return ::write(pidWrite.get(), &grandchild, sizeof grandchild) == sizeof grandchild ? 0 : 2;
    });
    pidWrite.reset();
    holdRead.reset();

    pid_t grandchild = -1;
    ASSERT_TRUE(readableWithin(pidRead.get(), static_cast<int>(kDeadline / 1ms)));
    ASSERT_EQ(::read(pidRead.get(), &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
    auto middleEnd = waitForChild(middle);
    ASSERT_TRUE(middleEnd);
    ASSERT_EQ(WEXITSTATUS(middleEnd->status), 0);

    // The middle child is gone: the kernel re-parented the grandchild to us at its exit.
    ASSERT_EQ(procStatusField(grandchild, "PPid"), std::to_string(::getpid()));
    holdWrite.reset();
    auto got = reapUntil({grandchild});
    ASSERT_EQ(got.count(grandchild), 1u) << "orphan was not re-parented to the subreaper";
    EXPECT_EQ(toExitStatus(got[grandchild]).code, 42);
}

}  // namespace
}  // namespace sup::os::test
