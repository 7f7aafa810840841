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
        return report;
    }
    std::vector<DoctorFinding> doctor(pid_t) override { return {}; }
    int limitsRead = 0;
};

class LimitsCheck : public ::testing::Test {
  protected:
    void SetUp() override { spdlog::set_level(spdlog::level::off); }
    void TearDown() override { spdlog::set_level(spdlog::level::info); }

    FakeHost host;
    ManualClock clock;
    CountingDiagnostics diagnostics;
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
    auto respawn = [&](const char* name) {
        const pid_t old = sup.view(name)->pid;
        host.exit(old, 1);
        sup.onChildExited();  // the SIGCHLD
        for (int i = 0; i < 1000 && sup.view(name)->pid == old; ++i) {
            clock.advance(std::chrono::milliseconds(10));
            while (host.timer() && *host.timer() <= clock.now()) host.fireTimer();
            while (host.deliverExecStatus()) {
            }
        }
        ASSERT_NE(sup.view(name)->pid, old) << name << " was not restarted";
        while (host.timer() && *host.timer() <= clock.now()) host.fireTimer();
    };
    respawn("w@0");
    EXPECT_EQ(diagnostics.limitsRead, 1);
    clock.advance(std::chrono::seconds(10));
    respawn("w@1");
    EXPECT_EQ(diagnostics.limitsRead, 2);
}

}  // namespace
}  // namespace sup::sim
