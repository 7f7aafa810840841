// When the supervisor reads the host's limits for its threshold warnings: after a spawn, but never in
// the same turn of the loop. The read scans /proc (about 15 us per process on the host), and what the
// turn ends with (READY=1 after the first launch, a D-Bus reply) must not wait for it.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/Clock.h"
#include "sim/FakeHost.h"
#include "sim/Simulation.h"
#include "supervisor/Supervisor.h"

namespace sup::sim {
namespace {

class CountingDiagnostics final : public Diagnostics {
  public:
    std::string forkFailure(int, std::optional<uid_t>) override { return "EAGAIN"; }
    LimitsReport limits(unsigned warnPercent, const std::vector<uid_t>&) override {
        ++limitsRead;
        LimitsReport report;
        report.warnPercent = warnPercent;
        LimitDimension d;
        d.id = "pids-cgroup";
        d.limit = 100;
        d.used = pidsUsed;
        d.percent = static_cast<double>(pidsUsed);
        report.dimensions.push_back(d);
        return report;
    }
    bool limitsCertainlyUnder(unsigned, const std::vector<uid_t>&) override {
        ++boundsRead;
        return certainlyUnder;
    }
    std::vector<DoctorFinding> doctor(pid_t) override { return {}; }
    int limitsRead = 0;
    int boundsRead = 0;
    bool certainlyUnder = false;
    std::uint64_t pidsUsed = 0;
};

class LimitsCheck : public ::testing::Test {
  protected:
    void SetUp() override { spdlog::set_level(spdlog::level::off); }
    void TearDown() override { spdlog::set_level(spdlog::level::info); }

    FakeHost host;
    ManualClock clock;
    CountingDiagnostics diagnostics;

    // Kills `name`'s process and runs the loop until it has a new one (it has none in BACKOFF).
    void respawn(Supervisor& sup, const char* name) {
        const pid_t old = sup.view(name)->pid;
        host.exit(old, 1);
        sup.onChildExited();  // the SIGCHLD
        auto waiting = [&] { return sup.view(name)->pid == old || sup.view(name)->pid <= 0; };
        for (int i = 0; i < 1000 && waiting(); ++i) {
            clock.advance(std::chrono::milliseconds(10));
            while (host.timer() && *host.timer() <= clock.now()) host.fireTimer();
            while (host.deliverExecStatus()) {
            }
        }
        ASSERT_FALSE(waiting()) << name << " was not restarted";
        while (host.timer() && *host.timer() <= clock.now()) host.fireTimer();
    }
};

TEST_F(LimitsCheck, LaunchingDoesNotWaitForTheLimitsReadWhichFollowsOnTheNextTurn) {
    Config config;
    config.services = {makeService("w", "sleeper", 3)};
    Supervisor::Options options;
    options.randomSeed = 1;
    Supervisor sup(host, clock, diagnostics, options, config);

    sup.startAutostart();  // main.cpp sends READY=1 right after this returns
    while (host.deliverExecStatus()) {
    }
    EXPECT_EQ(host.processes().size(), 3u);
    EXPECT_EQ(diagnostics.limitsRead, 0) << "the launch read the limits before READY=1";
    ASSERT_TRUE(host.timer()) << "the limits read was not scheduled";
    EXPECT_LE(*host.timer(), clock.now());

    host.fireTimer();
    EXPECT_EQ(diagnostics.limitsRead, 1);  // once for the three spawns

    // A respawn within kLimitsCheckInterval (10 s) schedules nothing more; one after it reads again.
    respawn(sup, "w@0");
    EXPECT_EQ(diagnostics.limitsRead, 1);
    clock.advance(std::chrono::seconds(10));
    respawn(sup, "w@1");
    EXPECT_EQ(diagnostics.limitsRead, 2);
}

// The full reading scans /proc (and leaves a dentry per process for the kernel to drop at each exit):
// when the cheap bound rules every crossing out, the check stops there. A dimension already over the
// threshold is read in full until it is seen to clear.
TEST_F(LimitsCheck, TheFullReadingWaitsUntilTheCheapBoundCannotRuleOutACrossing) {
    Config config;
    config.services = {makeService("w", "sleeper", 2)};
    Supervisor::Options options;
    options.randomSeed = 1;
    Supervisor sup(host, clock, diagnostics, options, config);
    diagnostics.certainlyUnder = true;
    sup.startAutostart();
    while (host.deliverExecStatus()) {
    }
    host.fireTimer();
    EXPECT_EQ(diagnostics.boundsRead, 1);
    EXPECT_EQ(diagnostics.limitsRead, 0) << "the /proc scan ran although the bound ruled it out";

    diagnostics.certainlyUnder = false;  // near a limit now: read, and see the crossing
    diagnostics.pidsUsed = 90;
    clock.advance(std::chrono::seconds(10));
    respawn(sup, "w@0");
    EXPECT_EQ(diagnostics.limitsRead, 1);

    diagnostics.certainlyUnder = true;  // back far from it: the clearing still needs the full reading
    diagnostics.pidsUsed = 10;
    clock.advance(std::chrono::seconds(10));
    respawn(sup, "w@1");
    EXPECT_EQ(diagnostics.limitsRead, 2) << "a dimension over the threshold was not read to see it clear";

    clock.advance(std::chrono::seconds(10));
    respawn(sup, "w@0");
    EXPECT_EQ(diagnostics.limitsRead, 2) << "once cleared, the bound suffices again";
    EXPECT_EQ(diagnostics.boundsRead, 3);
}

}  // namespace
}  // namespace sup::sim
