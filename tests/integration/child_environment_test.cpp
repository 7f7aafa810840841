// The environment a child gets from the daemon, seen from /proc of the running child.
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// The variables of a running process, from /proc.
std::string environmentOf(pid_t pid) {
    std::string env = readFile("/proc/" + std::to_string(pid) + "/environ");
    std::replace(env.begin(), env.end(), '\0', '\n');
    return "\n" + env;
}

// "Max open files" soft and hard limits of a process, from /proc/PID/limits.
std::pair<std::string, std::string> nofileOf(pid_t pid) {
    std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/limits"));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("Max open files", 0) != 0) continue;
        std::istringstream fields(line.substr(std::string("Max open files").size()));
        std::string soft, hard;
        fields >> soft >> hard;
        return {soft, hard};
    }
    return {};
}

class ChildEnvironment : public DaemonTest {
  protected:
    // Command lines (as cmdlineOf() shows them) of the processes this test starts: killed in TearDown,
    // whatever the daemon did with them.
    std::vector<std::string> markers;

    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        DaemonTest::TearDown();
    }
};

TEST_F(ChildEnvironment, ANumericUserGivesTheChildTheAccountNameInUserAndLogname) {
    if (::geteuid() != 0) GTEST_SKIP() << "changing user needs root";
    const passwd* pw = ::getpwnam("nobody");
    if (!pw) GTEST_SKIP() << "no user nobody";
    const std::string uid = std::to_string(pw->pw_uid);
    uid_t unnamed = 4242;
    while (::getpwuid(unnamed)) ++unnamed;
    markers = {"/bin/sleep 6417"};
    startDaemon(
        "services:\n"
        "  numeric:\n"
        "    command: [/bin/sleep, '6417']\n"
        "    user: \"" +
        uid +
        "\"\n"
        "  unnamed:\n"
        "    command: [/bin/sleep, '6417']\n"
        "    user: \"" +
        std::to_string(unnamed) + "\"\n");
    ASSERT_TRUE(daemon->waitState("numeric", "RUNNING")) << daemon->log();
    ASSERT_TRUE(daemon->waitState("unnamed", "RUNNING")) << daemon->log();
    const std::string named = environmentOf(daemon->pidOf("numeric"));
    EXPECT_NE(named.find("\nUSER=nobody\n"), std::string::npos) << named;
    EXPECT_NE(named.find("\nLOGNAME=nobody\n"), std::string::npos) << named;
    // No passwd entry: no name to give, the number as written stands in (documented).
    const std::string bare = environmentOf(daemon->pidOf("unnamed"));
    EXPECT_NE(bare.find("\nUSER=" + std::to_string(unnamed) + "\n"), std::string::npos) << bare;
    EXPECT_NE(bare.find("\nLOGNAME=" + std::to_string(unnamed) + "\n"), std::string::npos) << bare;
}

// The daemon raises its soft RLIMIT_NOFILE to the hard limit (it holds fds per service; systemd's
// default soft limit of 1024 ran out near 350 services), and gives each child the limit it was
// started with, as systemd does for its services.
TEST_F(ChildEnvironment, TheDaemonRaisesItsFdLimitAndChildrenGetTheOriginalBack) {
    rlimit mine{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
    if (mine.rlim_max <= 512) GTEST_SKIP() << "the hard RLIMIT_NOFILE is too low to lower the soft one";
    struct Restore {
        rlimit saved;
        ~Restore() { ::setrlimit(RLIMIT_NOFILE, &saved); }
    } restore{mine};
    rlimit lowered{512, mine.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);  // the daemon inherits it, as from systemd
    markers = {"/bin/sleep 6418"};
    startDaemon("services:\n  s: {command: [/bin/sleep, '6418']}\n");
    ASSERT_TRUE(daemon->waitState("s", "RUNNING")) << daemon->log();
    const auto daemonLimits = nofileOf(daemon->pid());
    EXPECT_EQ(daemonLimits.first, daemonLimits.second) << "the daemon's soft limit was not raised";
    const auto childLimits = nofileOf(daemon->pidOf("s"));
    EXPECT_EQ(childLimits.first, "512");
    EXPECT_EQ(childLimits.second, daemonLimits.second);
}

}  // namespace
