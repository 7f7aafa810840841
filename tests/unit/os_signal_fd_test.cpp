// SignalFd: signals arrive as readable data, SIGCHLD for exiting children, standard signals coalesce.
#include <gtest/gtest.h>

#include <algorithm>

#include "os/SignalFd.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

bool isBlocked(int sig) {
    sigset_t mask;
    ::sigprocmask(SIG_SETMASK, nullptr, &mask);
    return ::sigismember(&mask, sig) == 1;
}

TEST(SignalFd, BlocksItsSignalsAndIsNonBlockingCloexec) {
    SignalStateGuard guard({SIGUSR1, SIGUSR2});
    ASSERT_FALSE(isBlocked(SIGUSR1));
    SignalFd signals{SIGUSR1, SIGUSR2};
    EXPECT_TRUE(isBlocked(SIGUSR1));
    EXPECT_TRUE(isBlocked(SIGUSR2));
    EXPECT_TRUE(::fcntl(signals.fd(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(signals.fd(), F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(signals.readAll().empty());  // nothing pending: returns at once, no EAGAIN thrown
}

TEST(SignalFd, DeliversRaisedSignals) {
    SignalStateGuard guard({SIGUSR1, SIGUSR2});
    SignalFd signals{SIGUSR1, SIGUSR2};
    // raise() targets this thread, which has them blocked: they stay pending for the signalfd.
    ASSERT_EQ(::raise(SIGUSR2), 0);
    ASSERT_EQ(::raise(SIGUSR1), 0);
    ASSERT_TRUE(readableWithin(signals.fd(), 5000));
    std::vector<int> got = signals.readAll();
    std::sort(got.begin(), got.end());  // the kernel hands standard signals out lowest number first
    EXPECT_EQ(got, (std::vector<int>{SIGUSR1, SIGUSR2}));
    EXPECT_FALSE(readableWithin(signals.fd(), 0));
}

TEST(SignalFd, SigchldForExitingChildrenCoalesces) {
    SignalStateGuard guard({SIGCHLD});
    SignalFd signals{SIGCHLD};
    std::vector<pid_t> pids;
    for (int i = 0; i < 3; ++i) pids.push_back(forkChild([] { return 0; }));
    for (pid_t pid : pids) ASSERT_TRUE(waitExitedUnreaped(pid));

    ASSERT_TRUE(readableWithin(signals.fd(), 5000));
    // Three exits while the signal was pending: one SIGCHLD. Callers must therefore reap in a loop.
    EXPECT_EQ(signals.readAll(), std::vector<int>{SIGCHLD});
    EXPECT_TRUE(signals.readAll().empty());
    for (pid_t pid : pids) EXPECT_TRUE(waitForChild(pid));
}

TEST(SignalFd, DrainsMoreThanOneReadBuffer) {
    // Realtime signals queue (they do not coalesce), so 40 of them take several reads of 16 records.
    const int sig = SIGRTMIN + 3;
    SignalStateGuard guard({sig});
    SignalFd signals{sig};
    for (int i = 0; i < 40; ++i) ASSERT_EQ(::raise(sig), 0);
    std::vector<int> got = signals.readAll();
    EXPECT_EQ(got.size(), 40u);
    EXPECT_TRUE(std::all_of(got.begin(), got.end(), [&](int s) { return s == sig; }));
}

}  // namespace
}  // namespace sup::os::test
