// RealProcessHost: the daemon's side of its children's pipes, exec status and process groups.
#include <sys/wait.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "os/EventLoop.h"
#include "os/RealProcessHost.h"
#include "unit/os_test_helpers.h"

namespace sup::os {
namespace {

using namespace std::chrono_literals;

struct Recorder final : ProcessHost::Events {
    std::string out;
    int closed = 0;
    int execReports = 0;
    std::optional<SpawnError> execError;
    void onOutput(ProcessHost::Token, Stream, std::string_view data) override { out += data; }
    void onOutputClosed(ProcessHost::Token, Stream) override { ++closed; }
    void onExecStatus(ProcessHost::Token, const std::optional<SpawnError>& e) override {
        ++execReports;
        execError = e;
    }
    void onTimer() override {}
    void onNotify(ProcessHost::Token, const NotifyDatagram&) override {}
};

constexpr OutputWiring kSeparate{Wiring::Pipe, Wiring::Pipe};

SpawnRequest shell(const std::string& script) {
    SpawnRequest req;
    req.argv = {"/bin/sh", "-c", script};
    req.env = {"PATH=/usr/bin:/bin"};
    req.directory = "/";
    return req;
}

class ProcessHostTest : public ::testing::Test {
  protected:
    EventLoop loop;
    ForkExecLauncher launcher;
    RealProcessHost host{loop, launcher};
    Recorder events;
    void SetUp() override { host.setEvents(&events); }
};

// A restart closes the old process's pipes: what it wrote last must reach the sinks first, even
// though the loop never got to read it (it used to be dropped, up to a full pipe).
TEST_F(ProcessHostTest, ClosingOutputDeliversWhatThePipeStillHolds) {
    auto spawned =
        host.spawn(1, shell("head -c 50000 /dev/zero | tr '\\0' x; echo LAST"), OutputWiring{}, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    ASSERT_TRUE(test::waitForChild(spawned.pid));
    EXPECT_EQ(events.out.size(), 0u) << "nothing read yet: the loop did not run";
    host.closeOutput(1);
    EXPECT_EQ(events.out.size(), 50000u + 5u);
    EXPECT_EQ(events.out.substr(events.out.size() - 5), "LAST\n");
    EXPECT_EQ(events.execReports, 1) << "the exec status is delivered before the output is closed";
    EXPECT_FALSE(events.execError);
    EXPECT_GE(events.closed, 1);
    host.closeOutput(1);  // a second close is harmless
}

// Waits until `pid` has exited, without reaping it: reap() is to find it.
void waitUntilZombie(pid_t pid) {
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
}

// What host.reap() returns once it returns something (within 10 s).
std::vector<ReapedChild> reapSome(RealProcessHost& host) {
    std::vector<ReapedChild> reaped;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         reaped.empty() && std::chrono::steady_clock::now() < until;)
        reaped = host.reap();
    return reaped;
}

// A reaped child's pipes hold what it wrote last, then EOF: reap() delivers and closes them at once,
// so a shutdown does not leave thousands of them to the teardown, read and closed one by one after
// the last exit (the loop reads at most 64 fds per turn and stops at the last exit).
TEST_F(ProcessHostTest, ReapingDeliversWhatTheChildWroteLastAndClosesItsPipes) {
    auto spawned = host.spawn(6, shell("echo OUT; echo ERR >&2"), kSeparate, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    waitUntilZombie(spawned.pid);
    EXPECT_EQ(events.out, "") << "nothing read yet: the loop did not run";
    const std::vector<ReapedChild> reaped = reapSome(host);
    ASSERT_EQ(reaped.size(), 1u);
    EXPECT_EQ(reaped[0].pid, spawned.pid);
    EXPECT_EQ(events.out, "OUT\nERR\n");
    EXPECT_EQ(events.closed, 2) << "both pipes were at EOF";
    EXPECT_EQ(events.execReports, 1) << "the exec status comes before the output";
    host.closeOutput(6);
    EXPECT_EQ(events.closed, 2) << "nothing was left to close";
}

// What the child left behind may still hold a pipe: reaping reads what is there and does not wait.
TEST_F(ProcessHostTest, ReapingLeavesAPipeThatALeftoverStillHolds) {
    auto spawned = host.spawn(7, shell("sleep 6307 & echo hi"), OutputWiring{}, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    waitUntilZombie(spawned.pid);
    const std::vector<ReapedChild> reaped = reapSome(host);
    ASSERT_EQ(reaped.size(), 1u);
    EXPECT_EQ(events.out, "hi\n");
    EXPECT_EQ(events.closed, 0) << "the sleep still holds the write end";
    EXPECT_EQ(host.signalGroup(spawned.pid, SIGKILL), 0);
    host.closeOutput(7);
    EXPECT_EQ(events.closed, 1);
}

// A discarded stream is /dev/null in the child: no pipe to read, nothing delivered, no EOF to report.
// stderr merged into a discarded stdout is discarded too.
TEST_F(ProcessHostTest, DiscardedStreamsAreDevNullInTheChild) {
    const std::string script = "echo OUT; fd1=$(readlink /proc/$$/fd/1); echo $fd1 >&2";
    auto spawned = host.spawn(8, shell(script), OutputWiring{Wiring::Discard, Wiring::Pipe}, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    waitUntilZombie(spawned.pid);
    const std::vector<ReapedChild> reaped = reapSome(host);
    ASSERT_EQ(reaped.size(), 1u);
    EXPECT_EQ(events.out, "/dev/null\n") << "only stderr had a pipe; stdout went to /dev/null";
    EXPECT_EQ(events.closed, 1) << "one pipe, one EOF";
    host.closeOutput(8);

    events.out.clear();
    events.closed = 0;
    spawned =
        host.spawn(9, shell("echo OUT; echo ERR >&2"), OutputWiring{Wiring::Discard, Wiring::Merge}, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    ASSERT_TRUE(test::waitForChild(spawned.pid));
    host.closeOutput(9);
    EXPECT_EQ(events.out, "");
    EXPECT_EQ(events.closed, 0) << "no pipe at all";
    EXPECT_EQ(events.execReports, 2) << "the exec status still comes, once per spawn";
}

// The launcher returns once the child has exec'd (CLONE_VFORK), so its exec status is read at the
// spawn: a running service holds its pidfd and its pipes, and no status pipe (10,000 services with
// `null` output met EMFILE at an RLIMIT_NOFILE of 20,000 while the status pipes waited for the loop).
// The status still arrives as an event, never from inside spawn().
TEST_F(ProcessHostTest, TheExecStatusIsReadAtTheSpawnAndHoldsNoDescriptor) {
    const std::size_t before = test::openFds();
    auto spawned =
        host.spawn(10, shell("exec sleep 6310"), OutputWiring{Wiring::Discard, Wiring::Merge}, false);
    ASSERT_FALSE(spawned.error) << spawned.error->describe();
    EXPECT_EQ(test::openFds(), before + 1) << "only the pidfd";
    EXPECT_EQ(events.execReports, 0) << "not delivered from inside spawn()";
    host.flushExecStatus(10);
    EXPECT_EQ(events.execReports, 1);
    EXPECT_FALSE(events.execError);
    host.flushExecStatus(10);
    EXPECT_EQ(events.execReports, 1) << "once";
    EXPECT_EQ(host.signal(spawned.pid, SIGKILL), 0);
    ASSERT_TRUE(test::waitForChild(spawned.pid));
    host.closeOutput(10);
}

TEST_F(ProcessHostTest, ExecFailureIsReportedOnceAndFlushedBeforeTheExit) {
    SpawnRequest req;
    req.argv = {"/nonexistent/program"};
    req.directory = "/";
    auto spawned = host.spawn(2, req, kSeparate, false);
    ASSERT_FALSE(spawned.error);
    ASSERT_TRUE(test::waitForChild(spawned.pid));
    host.flushExecStatus(2);
    ASSERT_EQ(events.execReports, 1);
    ASSERT_TRUE(events.execError);
    EXPECT_EQ(events.execError->err, ENOENT);
    host.flushExecStatus(2);
    host.closeOutput(2);
    EXPECT_EQ(events.execReports, 1);
}

// A program that backgrounds a child and exits leaves it in its process group: that is how the
// supervisor finds leftovers.
TEST_F(ProcessHostTest, GroupMembersFindsWhatAnExitedLeaderLeftBehind) {
    auto spawned = host.spawn(3, shell("sleep 6302 & exit 0"), OutputWiring{}, false);
    ASSERT_FALSE(spawned.error);
    ASSERT_TRUE(test::waitForChild(spawned.pid));
    std::vector<std::string> members;
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
        members = host.groupMembers(spawned.pid, 16);
        // The background child may still be the forked shell for a moment, before it execs sleep.
        if (members.size() == 1 && members[0].find("sleep") != std::string::npos) break;
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(members.size(), 1u);
    EXPECT_NE(members[0].find("sleep"), std::string::npos) << members[0];
    EXPECT_EQ(host.signalGroup(spawned.pid, SIGKILL), 0);
    // The sleep was re-parented to init (the test is no subreaper); it is gone once the group is empty.
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until && !host.groupMembers(spawned.pid, 1).empty();)
        std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(host.groupMembers(spawned.pid, 1).empty()) << "a zombie waiting for its reaper is no member";
    host.closeOutput(3);
}

// A zombie has exited already: a shutdown that counted it among the children still alive sent it
// SIGKILL and reported "1 process left that no service owns" (seen in the systemd e2e test, where
// a stopped service's `sleep` exited a moment after its shell was reaped).
TEST_F(ProcessHostTest, ChildrenAreOnlyTheLiveOnesNotTheZombies) {
    auto alive = host.spawn(4, shell("exec sleep 6304"), OutputWiring{}, false);
    auto dead = host.spawn(5, shell("exit 0"), OutputWiring{}, false);
    ASSERT_FALSE(alive.error);
    ASSERT_FALSE(dead.error);
    siginfo_t info{};
    // WNOWAIT: wait until it is a zombie, without reaping it.
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(dead.pid), &info, WEXITED | WNOWAIT), 0);
    auto children = host.children();
    EXPECT_NE(std::find(children.begin(), children.end(), alive.pid), children.end());
    EXPECT_EQ(std::find(children.begin(), children.end(), dead.pid), children.end())
        << "pid " << dead.pid << " is a zombie";
    EXPECT_EQ(host.signal(alive.pid, SIGKILL), 0);
    EXPECT_TRUE(test::waitForChild(alive.pid));
    EXPECT_TRUE(test::waitForChild(dead.pid));
    host.closeOutput(4);
    host.closeOutput(5);
}

}  // namespace
}  // namespace sup::os
