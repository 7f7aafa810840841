// Dependencies (requires/wants/after) on the real Supervisor over the fake OS: starts wait for what
// they are ordered after, failures block what requires them, stops and shutdowns take dependents
// first. Every invariant of the random search is checked after each step too.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "sim/FakeHost.h"
#include "sim/ScenarioOps.h"
#include "sim/Simulation.h"
#include "supervisor/Supervisor.h"

namespace sup::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

DependencyRef ref(const std::string& name) {
    return {name, SourceLocation{"sim.yaml", 9, 9}};
}

class Dependencies : public ::testing::Test {
  protected:
    void SetUp() override { spdlog::set_level(spdlog::level::off); }
    void TearDown() override { spdlog::set_level(spdlog::level::info); }
    void expectClean(const Scenario& sc, const Probe& probe = {}) {
        auto v = run(sc, probe);
        EXPECT_FALSE(v) << "after step " << v->step << ": " << v->what << "\n" << describe(sc);
    }
    static ProcessState stateOf(const Supervisor& sup, const std::string& name) {
        return sup.view(name)->machine->state();
    }
    static std::string reasonOf(const Supervisor& sup, const std::string& name) {
        return sup.view(name)->machine->reason();
    }
};

// api requires db: at autostart db is spawned, api waits until db is RUNNING (start_seconds), even
// though api's priority would start it first.
TEST_F(Dependencies, AutostartSpawnsWhatIsRequiredFirstAndWaitsForItToBeReady) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    db.startSeconds = seconds(2);
    db.priority = 900;
    auto api = makeService("api", "sleeper");
    api.priority = 1;
    api.required = {ref("db")};
    sc.services = {api, db};
    sc.ops = {advance(1000), advance(1000), advance(10)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step == 0) {
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Starting);
            EXPECT_EQ(stateOf(sup, "api"), ProcessState::Stopped);
            EXPECT_EQ(reasonOf(sup, "api"), "waiting for db (STARTING)");
            EXPECT_EQ(sup.view("api")->pid, 0);
            EXPECT_EQ(sup.view("api")->machine->readyState(), "waiting");
        }
        if (step == 1) {
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Running);
            EXPECT_GT(sup.view("api")->pid, 0) << "spawned once db was ready";
            EXPECT_GT(sup.view("api")->pid, sup.view("db")->pid) << "db was spawned first";
        }
    });
}

// An operator's start of api also starts db (not autostart), transitively through wants.
TEST_F(Dependencies, StartPullsInRequiresAndWantsTransitively) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    db.autostart = false;
    auto cache = makeService("cache", "sleeper");
    cache.autostart = false;
    cache.required = {ref("db")};
    auto api = makeService("api", "sleeper");
    api.autostart = false;
    api.wanted = {ref("cache")};
    sc.services = {api, cache, db};
    sc.ops = {control(Op::Kind::Start, "api"), advance(100)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step != 1) return;
        for (auto name : {"db", "cache", "api"}) EXPECT_GT(sup.view(name)->pid, 0) << name;
    });
}

// db cannot start (its spawn fails for good): api, which requires it, is not started and says why;
// web, which requires api, says so too.
TEST_F(Dependencies, AFailedRequirementBlocksItsDependentsWithTheReason) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    db.autostart = false;
    db.startRetries = 0;
    auto api = makeService("api", "sleeper");
    api.autostart = false;
    api.required = {ref("db")};
    auto web = makeService("web", "sleeper");
    web.autostart = false;
    web.required = {ref("api")};
    sc.services = {api, db, web};
    sc.ops = {simple(Op::Kind::ExecFail, 1), control(Op::Kind::Start, "web"), advance(5000)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step < 1) return;
        EXPECT_EQ(stateOf(sup, "db"), ProcessState::Fatal);
        EXPECT_EQ(stateOf(sup, "api"), ProcessState::Stopped);
        EXPECT_EQ(reasonOf(sup, "api"), "dependency failed: db (FATAL)");
        EXPECT_EQ(sup.view("api")->pid, 0);
        EXPECT_EQ(stateOf(sup, "web"), ProcessState::Stopped);
        EXPECT_NE(reasonOf(sup, "web").find("dependency failed: api"), std::string::npos)
            << reasonOf(sup, "web");
        EXPECT_EQ(sup.view("web")->pid, 0);
    });
}

// `after` alone orders but does not pull in nor block: a stopped logger does not keep api down.
TEST_F(Dependencies, AfterOnlyOrdersWhatIsBeingStarted) {
    Scenario sc;
    auto logger = makeService("logger", "sleeper");
    logger.autostart = false;
    auto api = makeService("api", "sleeper");
    api.autostart = false;
    api.after = {ref("logger")};
    sc.services = {api, logger};
    sc.ops = {control(Op::Kind::Start, "api"), advance(100)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step != 1) return;
        EXPECT_EQ(sup.view("logger")->pid, 0) << "after: does not pull it in";
        EXPECT_GT(sup.view("api")->pid, 0);
    });
}

// `supctl stop db` stops api first; db gets its stop signal only once api has exited (api ignores
// SIGTERM, so that takes its stop_timeout).
TEST_F(Dependencies, StoppingADependencyStopsItsDependentsFirst) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    auto api = makeService("api", "ignore-term");
    api.stopTimeout = seconds(3);
    api.required = {ref("db")};
    sc.services = {api, db};
    pid_t dbPid = 0;
    sc.ops = {advance(100), advance(100), control(Op::Kind::Stop, "db"), advance(2000), advance(1500)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost& host) {
        if (step == 1) {
            dbPid = sup.view("db")->pid;
            ASSERT_GT(sup.view("api")->pid, 0);
        }
        if (step == 2 || step == 3) {
            EXPECT_EQ(stateOf(sup, "api"), ProcessState::Stopping);
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Running) << "db stops after api";
            EXPECT_TRUE(host.processes().count(dbPid) && host.processes().at(dbPid).alive);
        }
        if (step == 4) {
            EXPECT_EQ(stateOf(sup, "api"), ProcessState::Stopped);
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Stopped);
        }
    });
}

// A shutdown stops dependents before what they depend on, whatever the priorities say.
TEST_F(Dependencies, ShutdownStopsDependentsFirst) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    db.priority = 999;  // by priority alone it would go first
    auto api = makeService("api", "ignore-term");
    api.priority = 1;
    api.stopTimeout = seconds(3);
    api.required = {ref("db")};
    sc.services = {api, db};
    sc.ops = {advance(100), advance(100), simple(Op::Kind::Shutdown), advance(1000)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step == 2 || step == 3) {
            EXPECT_EQ(stateOf(sup, "api"), ProcessState::Stopping);
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Running) << "db outlives api";
        }
    });
}

// A crash and automatic restart of db does not stop api (systemd's Requires=).
TEST_F(Dependencies, ACrashOfADependencyDoesNotStopItsDependents) {
    Scenario sc;
    auto db = makeService("db", "sleeper");
    auto api = makeService("api", "sleeper");
    api.required = {ref("db")};
    sc.services = {api, db};
    pid_t apiPid = 0;
    Op crashDb;
    crashDb.kind = Op::Kind::Kill9;
    crashDb.pick = 0;  // the lowest live pid: db, spawned first
    sc.ops = {advance(100), crashDb, advance(5000)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step == 0) apiPid = sup.view("api")->pid;
        if (step == 2) {
            EXPECT_EQ(sup.view("api")->pid, apiPid);
            EXPECT_EQ(stateOf(sup, "db"), ProcessState::Running) << reasonOf(sup, "db");
        }
    });
}

// Found by the search (seed 10): a reload that removed what a held start waited on left it held for
// good; the new edges say there is nothing to wait for, so it starts.
TEST_F(Dependencies, AReloadThatRemovesTheDependencyReleasesTheHeldStart) {
    Scenario sc;
    auto a = makeService("a", "sleeper");
    a.startSeconds = seconds(5);
    auto e = makeService("e", "sleeper");
    e.after = {ref("a")};
    sc.services = {a, e};
    Op removeA;
    removeA.kind = Op::Kind::Reload;
    removeA.mutation = Op::Mutation::RemoveService;
    removeA.pick = 0;  // services are sorted by name: a
    sc.ops = {advance(100), removeA, advance(100)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step == 0) {
            EXPECT_TRUE(sup.view("e")->machine->startHeld());
        } else {
            EXPECT_GT(sup.view("e")->pid, 0) << reasonOf(sup, "e");
        }
    });
}

// Found by the search (seed 876): a shutdown stopped the dependency first (in name order), which
// released a start held on it before that machine had heard of the shutdown: a spawn during shutdown.
TEST_F(Dependencies, AShutdownReleasesNoHeldStart) {
    Scenario sc;
    auto b = makeService("b", "sleeper");
    b.startSeconds = seconds(5);
    auto e = makeService("e", "sleeper");
    e.after = {ref("b")};
    sc.services = {b, e};
    sc.ops = {advance(100), simple(Op::Kind::Shutdown), advance(1000)};
    expectClean(sc, [&](std::size_t step, const Supervisor& sup, const FakeHost&) {
        if (step >= 1) {
            EXPECT_EQ(sup.view("e") ? sup.view("e")->pid : 0, 0);
        }
    });
}

}  // namespace
}  // namespace sup::sim
