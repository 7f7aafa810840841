// requires/after on the real daemon: a dependent is spawned only once what it requires is ready (a
// `ready: notify` service, a oneshot that succeeded), waits STOPPED meanwhile, is not started when what
// it requires fails; stopping (by `supctl stop` or at shutdown) takes dependents down first, whatever
// their priority; `supervisord --check` refuses a cycle.
//
// The scripts write to one events file, whose line order is the order of what happened, and wait for
// gates the test opens, so each test sees the waiting state for as long as it needs to.
#include <gtest/gtest.h>

#include <string>

#include "integration/Harness.h"
#include "integration/ScriptedServices.h"

using namespace sup::test;

namespace {

class ServiceDependencies : public ScriptedServiceTest {
  protected:
    // Two services whose SIGTERM trap logs the signal; api's takes a moment and then logs its exit. api
    // requires db but has the lower priority, so priority alone would stop db first.
    std::string stopOrderConfig() const {
        auto script = [&](const std::string& name, const std::string& marker, const std::string& onTerm) {
            return "trap '" + onTerm + "; kill $! 2>/dev/null; exit 0' TERM\n" + marker + " &\n" +
                   event(name + " up") + "\nwait\n";
        };
        return "services:\n" +
               service("db", script("db", "/bin/sleep 6331", "echo \"db TERM\" >> " + eventsPath()),
                       {"priority: 999", "start_seconds: 0s"}) +
               service("api",
                       script("api", "/bin/sleep 6332",
                              "echo \"api TERM\" >> " + eventsPath() +
                                  "; /bin/sleep 0.3; echo \"api exit\" >> " + eventsPath()),
                       {"priority: 1", "start_seconds: 0s", "requires: [db]"});
    }
};

// db is `ready: notify` and notifies only once the test opens its gate; api requires db. api must wait
// STOPPED, with no process, while db is STARTING, and be spawned only after db's READY=1.
TEST_F(ServiceDependencies, ADependentIsSpawnedOnlyAfterItsNotifyRequirementIsReady) {
    markers = {"/bin/sleep 6301", "/bin/sleep 6302"};
    startDaemon("services:\n" +
                service("db",
                        waitGate("db-go") + "\n" + event("db ready") +
                            "\n/usr/bin/systemd-notify --ready --status=accepting\nexec /bin/sleep 6301",
                        {"ready: notify", "ready_timeout: 30s"}) +
                service("api", event("api start") + "\nexec /bin/sleep 6302",
                        {"requires: [db]", "start_seconds: 0s"}));

    ASSERT_TRUE(waitFor([&] {
        return daemon->stateOf("db") == "STARTING" && daemon->stateOf("api") == "STOPPED" &&
               reasonOf("api") == "waiting for db (STARTING)";
    })) << statusText()
        << daemon->log();
    EXPECT_EQ(daemon->pidOf("api"), 0);
    EXPECT_FALSE(hasEvent("api start")) << eventsText();

    openGate("db-go");
    ASSERT_TRUE(daemon->waitState("api", "RUNNING")) << statusText() << eventsText() << daemon->log();
    EXPECT_EQ(daemon->stateOf("db"), "RUNNING");
    EXPECT_NE(reasonOf("db").find("READY=1"), std::string::npos) << reasonOf("db");
    ASSERT_TRUE(waitFor([&] { return hasEvent("api start"); })) << eventsText();
    EXPECT_LT(indexOf("db ready"), indexOf("api start")) << eventsText();
    EXPECT_GE(indexOf("db ready"), 0) << eventsText();
}

// A oneshot that api requires runs to its successful end before api is spawned, and then stays
// EXITED, done.
TEST_F(ServiceDependencies, AOneshotRequirementRunsToItsEndBeforeTheDependent) {
    markers = {"/bin/sleep 6312"};
    startDaemon("services:\n" +
                service("migrate", waitGate("migrate-go") + "\n" + event("migrated"), {"type: oneshot"}) +
                service("api", event("api start") + "\nexec /bin/sleep 6312",
                        {"requires: [migrate]", "start_seconds: 0s"}));

    ASSERT_TRUE(waitFor([&] {
        return daemon->stateOf("migrate") == "STARTING" && daemon->stateOf("api") == "STOPPED" &&
               reasonOf("api") == "waiting for migrate (STARTING)";
    })) << statusText()
        << daemon->log();
    EXPECT_FALSE(hasEvent("api start")) << eventsText();

    openGate("migrate-go");
    ASSERT_TRUE(daemon->waitState("api", "RUNNING")) << statusText() << eventsText() << daemon->log();
    EXPECT_EQ(daemon->stateOf("migrate"), "EXITED");
    EXPECT_EQ(reasonOf("migrate").rfind("done", 0), 0u) << reasonOf("migrate");
    ASSERT_TRUE(waitFor([&] { return hasEvent("api start"); })) << eventsText();
    EXPECT_GE(indexOf("migrated"), 0) << eventsText();
    EXPECT_LT(indexOf("migrated"), indexOf("api start")) << eventsText();
}

// A oneshot that fails (restart: never, so FATAL at once): what requires it is never spawned and says
// why.
TEST_F(ServiceDependencies, AFailedRequirementKeepsTheDependentFromStarting) {
    markers = {"/bin/sleep 6322"};
    startDaemon("services:\n" + service("migrate", "exit 3", {"type: oneshot", "restart: never"}) +
                service("api", event("api start") + "\nexec /bin/sleep 6322",
                        {"requires: [migrate]", "start_seconds: 0s"}));

    ASSERT_TRUE(waitStateReason("api", "STOPPED", "dependency failed: migrate (FATAL)"))
        << statusText() << daemon->log();
    EXPECT_EQ(daemon->stateOf("migrate"), "FATAL");
    EXPECT_EQ(daemon->pidOf("api"), 0);
    EXPECT_FALSE(hasEvent("api start")) << eventsText();
}

TEST_F(ServiceDependencies, ShutdownStopsTheDependentBeforeWhatItRequiresWhateverThePriority) {
    markers = {"/bin/sleep 6331", "/bin/sleep 6332"};
    startDaemon(stopOrderConfig());
    ASSERT_TRUE(waitFor([&] { return hasEvent("db up") && hasEvent("api up"); }))
        << eventsText() << statusText();

    ASSERT_EQ(daemon->terminate(std::chrono::seconds(20)), 0) << daemon->log();
    auto lines = events();
    EXPECT_GE(indexOf("api TERM"), 0) << eventsText();
    EXPECT_LT(indexOf("api TERM"), indexOf("api exit")) << eventsText();
    EXPECT_LT(indexOf("api exit"), indexOf("db TERM")) << eventsText();
}

TEST_F(ServiceDependencies, StoppingARequirementStopsItsDependentsFirst) {
    markers = {"/bin/sleep 6331", "/bin/sleep 6332"};
    startDaemon(stopOrderConfig());
    ASSERT_TRUE(waitFor([&] { return hasEvent("db up") && hasEvent("api up"); }))
        << eventsText() << statusText();
    ASSERT_TRUE(daemon->waitState("api", "RUNNING")) << statusText();

    auto r = daemon->ctl({"stop", "db"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    ASSERT_TRUE(waitFor([&] {
        return daemon->stateOf("db") == "STOPPED" && daemon->stateOf("api") == "STOPPED";
    })) << statusText();
    EXPECT_GE(indexOf("api TERM"), 0) << eventsText();
    EXPECT_LT(indexOf("api TERM"), indexOf("api exit")) << eventsText();
    EXPECT_LT(indexOf("api exit"), indexOf("db TERM")) << eventsText();
}

// `supervisord --check` refuses a cycle of requires/after spread over two files, naming each edge with
// the place of the item that makes it.
TEST(DependencyCheck, ACycleFailsTheCheckNamingEveryEdge) {
    TempDir conf{"supconf"};
    writeFile(conf / "a.yaml", R"(services:
  api:
    command: ["/bin/sleep", "6341"]
    requires: [db]
)");
    writeFile(conf / "b.yaml", R"(services:
  db:
    command: ["/bin/sleep", "6342"]
    after: [api]
)");
    auto r = runCommand({SUPERVISORD_BIN, "--check", "-c", conf.path()});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    const std::string said = r.out + r.err;
    EXPECT_NE(said.find("dependency cycle: "), std::string::npos) << said;
    EXPECT_NE(said.find("a.yaml:4:16"), std::string::npos) << said;
    EXPECT_NE(said.find("b.yaml:4:13"), std::string::npos) << said;

    // Without the edge that closes it, the same files pass.
    writeFile(conf / "b.yaml", "services:\n  db:\n    command: [\"/bin/sleep\", \"6342\"]\n");
    r = runCommand({SUPERVISORD_BIN, "--check", "-c", conf.path()});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
}

}  // namespace
