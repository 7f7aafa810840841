// Reload applies only the difference and keeps what it does not change; a broken config changes nothing.
#include <signal.h>

#include <gtest/gtest.h>

#include "integration/Harness.h"

using namespace sup::test;

namespace {

const char* kTwoServices = R"(
services:
  keep:
    command: ["/bin/sleep", "1001"]
    start_seconds: 0s
  change:
    command: ["/bin/sleep", "1002"]
    start_seconds: 0s
  drop:
    command: ["/bin/sleep", "1003"]
    start_seconds: 0s
)";

class Reload : public ::testing::Test {
  protected:
    TestBus bus;
    TempDir conf{"supconf"};
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        writeFile(conf / "services.yaml", kTwoServices);
        daemon = std::make_unique<Daemon>(bus, conf.path());
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
        for (auto n : {"keep", "change", "drop"}) ASSERT_TRUE(daemon->waitState(n, "RUNNING")) << n;
    }
};

TEST_F(Reload, SighupAppliesTheDifferenceAndKeepsUnchangedPids) {
    pid_t keep = daemon->pidOf("keep"), change = daemon->pidOf("change"), drop = daemon->pidOf("drop");
    writeFile(conf / "services.yaml", R"(
services:
  # a comment moves the lines, which must not restart anything
  keep:
    command: ["/bin/sleep", "1001"]
    start_seconds: 0s
  change:
    command: ["/bin/sleep", "2002"]
    start_seconds: 0s
  added:
    command: ["/bin/sleep", "1004"]
    start_seconds: 0s
)");
    ASSERT_EQ(::kill(daemon->pid(), SIGHUP), 0);
    ASSERT_TRUE(daemon->waitState("added", "RUNNING")) << daemon->log();
    ASSERT_TRUE(waitFor([&] { return daemon->process("drop").is_null(); })) << daemon->log();
    ASSERT_TRUE(waitFor([&] {
        pid_t p = daemon->pidOf("change");
        return p > 0 && p != change && daemon->stateOf("change") == "RUNNING";
    })) << daemon->log();
    EXPECT_EQ(daemon->pidOf("keep"), keep);
    EXPECT_FALSE(processExists(drop));
    EXPECT_FALSE(processExists(change));
    EXPECT_EQ(daemon->process("change")["command"].back(), "2002");
}

// Only what the exec depends on restarts a process; the rest applies in place, the log target too.
TEST_F(Reload, SettingsThatDoNotChangeTheExecApplyWithoutARestart) {
    TempDir logs{"suplogs"};
    const std::string path = logs / "chatty.log";
    writeFile(conf / "services.yaml", R"(
services:
  chatty:
    command: ["/bin/sh", "-c", "while :; do echo tick; sleep 0.1; done"]
    start_seconds: 0s
)");
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(daemon->waitState("chatty", "RUNNING")) << daemon->log();
    pid_t before = daemon->pidOf("chatty");
    writeFile(conf / "services.yaml", R"(
services:
  chatty:
    command: ["/bin/sh", "-c", "while :; do echo tick; sleep 0.1; done"]
    start_seconds: 2s
    stop_timeout: 3s
    stop_signal: INT
    restart: on-failure
    start_retries: 7
    backoff: {initial: 2s, max: 20s}
    priority: 5
    kill_group: false
    timestamps: true
    stdout: {file: )" + path + R"(}
)");
    auto r = daemon->ctl({"reload"});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_TRUE(waitFor([&] { return readFile(path).find("tick") != std::string::npos; })) << daemon->log();
    EXPECT_EQ(daemon->pidOf("chatty"), before) << daemon->log();
    EXPECT_EQ(daemon->stateOf("chatty"), "RUNNING");
}

TEST_F(Reload, ABrokenConfigKeepsEverythingRunningAndSaysWhy) {
    pid_t keep = daemon->pidOf("keep"), drop = daemon->pidOf("drop");
    writeFile(conf / "services.yaml", R"(
services:
  keep:
    command: ["/bin/sleep", "1001"]
    restart: sometimes
)");
    auto r = daemon->ctl({"reload"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    std::string said = r.out + r.err;
    EXPECT_NE(said.find("services.yaml:5"), std::string::npos) << said;
    EXPECT_NE(said.find("restart"), std::string::npos) << said;
    // SIGHUP with the same broken file: logged, nothing changed.
    ASSERT_EQ(::kill(daemon->pid(), SIGHUP), 0);
    ASSERT_TRUE(waitFor([&] { return daemon->log().find("reload refused") != std::string::npos; }));
    EXPECT_EQ(daemon->pidOf("keep"), keep);
    EXPECT_EQ(daemon->pidOf("drop"), drop);
    EXPECT_EQ(daemon->stateOf("drop"), "RUNNING");
}

TEST_F(Reload, ADependencyCycleIsRefusedAndChangesNothing) {
    pid_t keep = daemon->pidOf("keep"), change = daemon->pidOf("change");
    // A valid edit of one file, and a second file whose services wait for each other.
    writeFile(conf / "services.yaml", R"(
services:
  keep:
    command: ["/bin/sleep", "1001"]
    start_seconds: 0s
    requires: [a]
  change:
    command: ["/bin/sleep", "2002"]
    start_seconds: 0s
)");
    writeFile(conf / "more.yaml", R"(
services:
  a: {command: ["/bin/sleep", "1004"], after: [b]}
  b: {command: ["/bin/sleep", "1005"], requires: [a]}
)");
    auto r = daemon->ctl({"reload"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    const std::string said = r.out + r.err;
    EXPECT_NE(said.find("more.yaml:3:48: services.a.after: dependency cycle: a -> b ("), std::string::npos)
        << said;
    EXPECT_NE(said.find("more.yaml:4:51)"), std::string::npos) << said;
    EXPECT_EQ(daemon->pidOf("keep"), keep);
    EXPECT_EQ(daemon->pidOf("change"), change);
    EXPECT_EQ(daemon->stateOf("drop"), "RUNNING");
    EXPECT_EQ(daemon->stateOf("a"), "");  // not added
}

}  // namespace
