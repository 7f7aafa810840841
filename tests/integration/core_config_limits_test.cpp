// A hostile configuration file (nesting too deep for the parser, an alias bomb) is refused like any
// other broken one: `--check` says where and exits 1, a reload leaves every running service alone.
#include <signal.h>

#include <gtest/gtest.h>

#include "integration/Harness.h"

using namespace sup::test;

namespace {

const char* kServices = R"(
services:
  keep:
    command: ["/bin/sleep", "1011"]
    start_seconds: 0s
  other:
    command: ["/bin/sleep", "1012"]
    start_seconds: 0s
)";

std::string deepNesting() {
    return "services: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
}

// Each level names the previous one ten times: 10^9 nodes once expanded.
std::string aliasBomb() {
    std::string yaml = "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n";
    for (int i = 1; i < 9; ++i) {
        const std::string prev = "*x" + std::to_string(i - 1);
        yaml += "x" + std::to_string(i) + ": &x" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) yaml += prev + (j < 9 ? ", " : "]\n");
    }
    return yaml;
}

TEST(ConfigLimitsCheck, RefusesDeepNestingAndAliasBombsWithTheirPlace) {
    TempDir conf{"supconf"};
    writeFile(conf / "deep.yaml", deepNesting());
    auto r = runCommand({SUPERVISORD_BIN, "--check", "-c", conf / "deep.yaml"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("deep.yaml:1:74: nesting deeper than 64 levels"), std::string::npos) << r.err;

    writeFile(conf / "bomb.yaml", aliasBomb());
    r = runCommand({SUPERVISORD_BIN, "--check", "-c", conf / "bomb.yaml"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("bomb.yaml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("aliases expand to more than 100000 nodes"), std::string::npos) << r.err;
}

class ConfigLimitsReload : public ::testing::Test {
  protected:
    TestBus bus;
    TempDir conf{"supconf"};
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        writeFile(conf / "services.yaml", kServices);
        daemon = std::make_unique<Daemon>(bus, conf.path());
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
        for (auto n : {"keep", "other"}) ASSERT_TRUE(daemon->waitState(n, "RUNNING")) << n;
    }

    // A reload with `hostile` added to the directory is refused, names the file, and changes nothing.
    void expectRefused(const std::string& hostile, const std::string& message) {
        const pid_t keep = daemon->pidOf("keep"), other = daemon->pidOf("other");
        writeFile(conf / "zz.yaml", hostile);
        auto r = daemon->ctl({"reload"});
        EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
        const std::string said = r.out + r.err;
        EXPECT_NE(said.find("zz.yaml:"), std::string::npos) << said;
        EXPECT_NE(said.find(message), std::string::npos) << said;
        EXPECT_EQ(daemon->pidOf("keep"), keep);
        EXPECT_EQ(daemon->pidOf("other"), other);
        EXPECT_EQ(daemon->stateOf("keep"), "RUNNING");
        EXPECT_EQ(daemon->stateOf("other"), "RUNNING");
    }
};

TEST_F(ConfigLimitsReload, DeepNestingIsRefusedAndTheServicesKeepRunning) {
    expectRefused(deepNesting(), "nesting deeper than 64 levels");
    // SIGHUP with the same file: refused and logged, the daemon still answers.
    ASSERT_EQ(::kill(daemon->pid(), SIGHUP), 0);
    ASSERT_TRUE(waitFor([&] { return daemon->log().find("reload refused") != std::string::npos; }))
        << daemon->log();
    EXPECT_EQ(daemon->stateOf("keep"), "RUNNING");
}

TEST_F(ConfigLimitsReload, AnAliasBombIsRefusedAndTheServicesKeepRunning) {
    expectRefused(aliasBomb(), "aliases expand to more than 100000 nodes");
}

}  // namespace
