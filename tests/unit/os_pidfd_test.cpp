// Pidfd: signals reach exactly the process it was opened for, and ESRCH once that process is reaped.
#include <gtest/gtest.h>

#include "os/Pidfd.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

// A child that lives until the test closes `release` (or signals it); killed and reaped if the test ends
// early.
struct WaitingChild {
    pid_t pid = -1;
    UniqueFd release;
    WaitingChild() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0) throw std::runtime_error("pipe2");
        UniqueFd readEnd(fds[0]);
        release.reset(fds[1]);
        pid = forkChild([&] {
            release.reset();
            char c;
            (void)::read(readEnd.get(), &c, 1);
            return 0;
        });
    }
    ~WaitingChild() {
        if (pid < 0) return;
        ::kill(pid, SIGKILL);
        (void)waitForChild(pid);
    }
    std::optional<ReapedChild> reap() {
        auto end = waitForChild(pid);
        pid = -1;
        return end;
    }
};

TEST(Pidfd, SignalReachesTheRightProcess) {
    WaitingChild target, bystander;
    auto pidfd = Pidfd::open(target.pid);
    ASSERT_TRUE(pidfd) << "kernel without pidfds?";
    EXPECT_TRUE(::fcntl(pidfd->fd(), F_GETFD) & FD_CLOEXEC);

    EXPECT_EQ(pidfd->sendSignal(SIGTERM), 0);
    // The pidfd turns readable when its process exits.
    ASSERT_TRUE(readableWithin(pidfd->fd(), static_cast<int>(kDeadline / 1ms)));
    auto end = target.reap();
    ASSERT_TRUE(end);
    EXPECT_TRUE(WIFSIGNALED(end->status));
    EXPECT_EQ(WTERMSIG(end->status), SIGTERM);

    // The bystander was not touched: still running, then ends normally when released.
    int status = 0;
    EXPECT_EQ(::waitpid(bystander.pid, &status, WNOHANG), 0);
    bystander.release.reset();
    auto other = bystander.reap();
    ASSERT_TRUE(other);
    EXPECT_TRUE(WIFEXITED(other->status));
}

TEST(Pidfd, SignalAfterReapFailsWithEsrch) {
    WaitingChild child;
    auto pidfd = Pidfd::open(child.pid);
    ASSERT_TRUE(pidfd);
    child.release.reset();
    ASSERT_TRUE(child.reap());
    // The number may already belong to someone else; the pidfd still names the dead process.
    EXPECT_EQ(pidfd->sendSignal(SIGKILL), ESRCH);
    EXPECT_EQ(Pidfd::sendSignal(pidfd->fd(), 0), ESRCH);
}

TEST(Pidfd, ZombieAcceptsSignalsUntilReaped) {
    // Success does not mean "alive": until it is reaped, an exited child still takes (and ignores) signals.
    // Only reaping makes the pidfd report ESRCH, so the reaper, not sendSignal, is the source of truth.
    WaitingChild child;
    auto pidfd = Pidfd::open(child.pid);
    ASSERT_TRUE(pidfd);
    child.release.reset();
    ASSERT_TRUE(waitExitedUnreaped(child.pid));
    EXPECT_EQ(pidfd->sendSignal(SIGTERM), 0);
    auto end = child.reap();
    ASSERT_TRUE(end);
    EXPECT_TRUE(WIFEXITED(end->status)) << "the late SIGTERM changed the recorded exit";
    EXPECT_EQ(pidfd->sendSignal(SIGTERM), ESRCH);
}

TEST(Pidfd, SignalZeroProbesALiveProcess) {
    WaitingChild child;
    auto pidfd = Pidfd::open(child.pid);
    ASSERT_TRUE(pidfd);
    EXPECT_EQ(pidfd->sendSignal(0), 0);
    child.release.reset();
    ASSERT_TRUE(child.reap());
}

TEST(Pidfd, BadFdIsReportedNotThrown) {
    EXPECT_EQ(Pidfd::sendSignal(-1, SIGTERM), EBADF);
}

TEST(Pidfd, ReleaseHandsOverTheFd) {
    auto self = Pidfd::open(::getpid());
    ASSERT_TRUE(self);
    int raw = self->fd();
    UniqueFd fd = std::move(*self).release();
    EXPECT_EQ(fd.get(), raw);
    EXPECT_EQ(self->fd(), -1);
}

}  // namespace
}  // namespace sup::os::test
