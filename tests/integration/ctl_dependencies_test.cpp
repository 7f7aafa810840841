// Dependencies as supctl and D-Bus clients see them from the real daemon: list-dependencies (both
// directions, UTF-8 and ASCII, --json, unknown names), the new fields of show and status --json, the
// ReadyState property read by busctl, and the note `supctl stop db` prints about what requires db.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

const char* kServices = R"(
services:
  db:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
  cache:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
  api:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
    requires: [db]
    wants: [cache]
)";

class CtlDependencies : public DaemonTest {
  protected:
    void SetUp() override {
        startDaemon(kServices);
        for (const char* name : {"db", "cache", "api"})
            ASSERT_TRUE(daemon->waitState(name, "RUNNING")) << name << "\n" << daemon->log();
    }
    // supctl with a chosen locale (the tree's glyphs depend on it).
    CommandResult ctlIn(const std::string& locale, std::vector<std::string> args) const {
        args.insert(args.begin(), SUPCTL_BIN);
        return runCommand(
            args, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}, {"NO_COLOR", "1"}, {"LC_ALL", locale}});
    }
};

TEST_F(CtlDependencies, ListDependenciesDrawsTheTreeBothWays) {
    auto tree = ctlIn("C.UTF-8", {"list-dependencies", "api"});
    EXPECT_EQ(tree.exitCode, 0) << tree.err;
    EXPECT_EQ(tree.out, "api RUNNING\n├─db RUNNING\n└─cache RUNNING\n");
    auto ascii = ctlIn("C", {"list-dependencies", "api"});
    EXPECT_EQ(ascii.out, "api RUNNING\n|-db RUNNING\n`-cache RUNNING\n");
    auto reverse = ctlIn("C.UTF-8", {"list-dependencies", "--reverse", "db"});
    EXPECT_EQ(reverse.exitCode, 0) << reverse.err;
    EXPECT_EQ(reverse.out, "db RUNNING\n└─api RUNNING\n");
    EXPECT_EQ(ctlIn("C", {"list-dependencies", "--reverse", "cache"}).out, "cache RUNNING\n`-api RUNNING\n");

    auto json = nlohmann::json::parse(daemon->ctl({"list-dependencies", "--json", "api"}).out);
    EXPECT_EQ(json["name"], "api");
    ASSERT_EQ(json["children"].size(), 2u) << json.dump();
    EXPECT_EQ(json["children"][0]["name"], "db");
    EXPECT_EQ(json["children"][0]["relation"], "requires");
    EXPECT_EQ(json["children"][1]["relation"], "wants");
}

TEST_F(CtlDependencies, UnknownNameFailsAsStatusDoes) {
    auto status = daemon->ctl({"status", "nosuch"});
    auto deps = daemon->ctl({"list-dependencies", "nosuch"});
    EXPECT_EQ(deps.exitCode, 4) << deps.out << deps.err;
    EXPECT_EQ(deps.exitCode, status.exitCode);
    EXPECT_EQ(deps.err, status.err);
    EXPECT_EQ(deps.out, "");
    // A glob is no name: refused, not drawn for whatever it happens to match.
    auto glob = daemon->ctl({"list-dependencies", "a*"});
    EXPECT_EQ(glob.exitCode, 4) << glob.err;
    EXPECT_NE(glob.err.find("is a pattern"), std::string::npos) << glob.err;
}

TEST_F(CtlDependencies, ShowAndStatusJsonCarryDependenciesAndReadiness) {
    auto show = daemon->ctl({"show", "api"});
    ASSERT_EQ(show.exitCode, 0) << show.err;
    for (const char* line : {"Requires=db\n", "Wants=cache\n", "After=\n", "RequiredBy=\n",
                             "ReadyState=started\n", "NotifyStatus=\n"})
        EXPECT_NE(show.out.find(line), std::string::npos) << line << "in\n" << show.out;
    EXPECT_EQ(daemon->ctl({"show", "-p", "RequiredBy", "--value", "db"}).out, "api\n");

    auto api = daemon->process("api");
    EXPECT_EQ(api["requires"], nlohmann::json::array({"db"}));
    EXPECT_EQ(api["wants"], nlohmann::json::array({"cache"}));
    EXPECT_EQ(api["after"], nlohmann::json::array());
    EXPECT_EQ(api["ready_state"], "started");
    EXPECT_EQ(api["notify_status"], "");
    EXPECT_EQ(daemon->process("db")["required_by"], nlohmann::json::array({"api"}));

    auto property = runCommand({"busctl", "--address=" + bus.address(), "get-property", "io.supervisord",
                                "/io/supervisord/process/api", "io.supervisord.Process1", "ReadyState"});
    EXPECT_EQ(property.exitCode, 0) << property.err;
    EXPECT_EQ(property.out, "s \"started\"\n");
}

TEST_F(CtlDependencies, StopSaysWhatRequiresItAndStopsThatFirst) {
    auto stop = daemon->ctl({"stop", "db"});
    EXPECT_EQ(stop.exitCode, 0) << stop.err << daemon->log();
    EXPECT_EQ(stop.err, "Stopping api (it requires db).\n");
    EXPECT_EQ(daemon->stateOf("api"), "STOPPED");
    EXPECT_EQ(daemon->stateOf("db"), "STOPPED");
    EXPECT_EQ(daemon->stateOf("cache"), "RUNNING") << "wanted, not required";
    // Nothing up requires db any more: a second stop says nothing.
    auto again = daemon->ctl({"stop", "db"});
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(again.err, "");
}

}  // namespace
