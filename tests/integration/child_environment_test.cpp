// The environment a child gets from the daemon, seen from /proc of the running child.
#include <pwd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
