// supctl doctor's findings about one process, from a fake /proc and from real children.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "limits_fake_root.h"
#include "os/limits/ProcTable.h"
#include "os/limits/ProcessDoctor.h"
#include "supervisor/LimitsDiagnostics.h"

namespace sup::os::limits {
namespace {

using test::FakeRoot;
using ::testing::HasSubstr;

constexpr pid_t kDaemon = 100;
constexpr pid_t kService = 500;

// A daemon and a healthy service of alice: blocking stdio, few fds, budgets far away.
class DoctorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root.passwd(test::kPasswd);
        root.addProcess({kDaemon, 1, 0, "supervisord", 'S', 1});
        root.addFd(kDaemon, 7, "pipe:[11]", 04000);  // the read end of the service's stdout
        root.addProcess({kService, kDaemon, 1000, "worker", 'S', 2});
        root.setLimits(kService, 100, 1024);
        root.addFd(kService, 0, "/dev/null", 0100000);
        root.addFd(kService, 1, "pipe:[11]", 01);
        root.addFd(kService, 2, "pipe:[12]", 01);
    }
    std::vector<Finding> examine(pid_t pid = kService) {
        auto fs = root.fs();
        return examineProcess(fs, pid, scanProcesses(fs), kDaemon);
    }

    FakeRoot root;
};

TEST_F(DoctorTest, HealthyProcessHasNoFindings) {
    EXPECT_TRUE(examine().empty());
}

TEST_F(DoctorTest, NonBlockingStdoutIsTheClassicTrap) {
    root.write("proc/500/fdinfo/1", "pos:\t0\nflags:\t0104001\nmnt_id:\t15\n");
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, "warning");
    EXPECT_EQ(f[0].what, "stdout (fd 1) is in non-blocking mode (pipe:[11])");
    EXPECT_THAT(f[0].fix, HasSubstr("EAGAIN"));
    EXPECT_THAT(f[0].fix, HasSubstr("O_NONBLOCK"));
}

TEST_F(DoctorTest, EachNonBlockingStdioFdIsReported) {
    root.write("proc/500/fdinfo/0", "flags:\t04000\n");
    root.write("proc/500/fdinfo/2", "flags:\t04001\n");
    auto f = examine();
    ASSERT_EQ(f.size(), 2u);
    EXPECT_THAT(f[0].what, HasSubstr("stdin (fd 0)"));
    EXPECT_THAT(f[1].what, HasSubstr("stderr (fd 2)"));
}

TEST_F(DoctorTest, UnreapedZombieChildrenAreCounted) {
    root.addProcess({600, kService, 1000, "sh", 'Z', 1});
    root.addProcess({601, kService, 1000, "sh", 'Z', 1});
    root.addProcess({602, kService, 1000, "sh", 'S', 1});  // alive: not a zombie
    root.addProcess({603, 1, 1000, "sh", 'Z', 1});         // someone else's zombie
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].what, "2 zombie children not reaped (sh 2)");
    EXPECT_THAT(f[0].fix, HasSubstr("wait()"));
}

TEST_F(DoctorTest, UserNearItsProcessBudget) {
    root.setLimits(kService, 10, 1024);
    for (pid_t p = 700; p < 707; ++p) root.addProcess({p, 1, 1000, "ssh", 'S', 1});  // 2 + 7 = 9 of 10
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, "warning");
    EXPECT_THAT(f[0].what, HasSubstr("uid 1000 (alice) has 9 processes and threads, 90% of this process's "
                                     "RLIMIT_NPROC 10"));
    EXPECT_THAT(f[0].what, HasSubstr("top: ssh 7, worker 2"));
    root.addProcess({707, 1, 1000, "ssh", 'S', 1});
    EXPECT_EQ(examine()[0].severity, "error");
}

TEST_F(DoctorTest, RootHasNoProcessBudget) {
    root.addProcess({kService, kDaemon, 0, "worker", 'S', 2});
    root.setLimits(kService, 1, 1024);
    EXPECT_TRUE(examine().empty());
}

TEST_F(DoctorTest, DescriptorsNearTheirLimit) {
    root.setLimits(kService, 100, 10);
    root.addFds(kService, 3, 6);  // 9 of 10
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_THAT(f[0].what, HasSubstr("9 descriptors open, 90% of its RLIMIT_NOFILE 10"));
}

TEST_F(DoctorTest, DescriptorsSharedWithTheDaemonAreInherited) {
    root.addFd(kDaemon, 9, "socket:[999]", 02);
    root.addFd(kService, 5, "socket:[999]", 02);   // leaked from the daemon
    root.addFd(kService, 6, "pipe:[11]", 01);      // a dup of its own stdout: fine
    root.addFd(kService, 8, "socket:[1000]", 02);  // its own socket: fine
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_THAT(f[0].what, HasSubstr("fd 5 (socket:[999]) is also open in supervisord"));
}

TEST_F(DoctorTest, StuckStates) {
    root.addProcess({kService, kDaemon, 1000, "worker", 'D', 2});
    auto f = examine();
    ASSERT_EQ(f.size(), 1u);
    EXPECT_THAT(f[0].what, HasSubstr("uninterruptible sleep (state D)"));
    root.addProcess({kService, kDaemon, 1000, "worker", 'Z', 1});
    EXPECT_EQ(examine()[0].severity, "error");
}

TEST_F(DoctorTest, GoneProcessIsOneError) {
    auto f = examine(4242);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, "error");
}

// Real processes: a child whose stdout pipe is non-blocking and which leaves a zombie child behind.
TEST(DoctorHost, FindsNonBlockingStdoutAndZombieOfARealChild) {
    int out[2], hold[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(hold[1]);  // or the read below never sees EOF
        ::dup2(out[1], 1);
        ::fcntl(1, F_SETFL, ::fcntl(1, F_GETFL) | O_NONBLOCK);
        if (::fork() == 0) ::_exit(0);  // never reaped by us: a zombie until we exit
        char c;
        while (::read(hold[0], &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    ::close(out[1]);
    ::close(hold[0]);

    LimitsDiagnostics diag;
    std::vector<DoctorFinding> findings;
    bool sawZombie = false, sawNonBlocking = false;
    // The grandchild exits on its own schedule; wait for it with a deadline.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until && !(sawZombie && sawNonBlocking)) {
        findings = diag.doctor(child);
        sawZombie = sawNonBlocking = false;
        for (auto& f : findings) {
            if (f.what.find("zombie child not reaped") != std::string::npos) sawZombie = true;
            if (f.what.find("stdout (fd 1) is in non-blocking mode (pipe:[") != std::string::npos)
                sawNonBlocking = true;
        }
        if (!(sawZombie && sawNonBlocking)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::close(hold[1]);  // lets the child exit
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(out[0]);
    EXPECT_TRUE(sawNonBlocking);
    EXPECT_TRUE(sawZombie);
    EXPECT_TRUE(WIFEXITED(status));
}

}  // namespace
}  // namespace sup::os::limits
