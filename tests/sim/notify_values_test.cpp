// A notify service's STATUS= and RELOADING=1 / READY=1 move NotifyStatus and ReadyState while it stays
// RUNNING. Both are signalled D-Bus properties, so the Supervisor must report such a change to its
// observers even though no transition carries it.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/Clock.h"
#include "sim/FakeHost.h"
#include "sim/Simulation.h"
#include "supervisor/Supervisor.h"

namespace sup::sim {
namespace {

class ValuesRecorder final : public ControlObserver {
  public:
    void onStateChanged(const ProcessInfo& info, ProcessState, const std::string&) override {
        seen.push_back("state " + std::string(toString(info.state)) + " [" + info.readyState + "] [" +
                       info.notifyStatus + "]");
    }
    void onProcessChanged(const ProcessInfo& info) override {
        seen.push_back("values [" + info.readyState + "] [" + info.notifyStatus + "]");
    }
    void onProcessesAdded(const std::vector<std::string>&) override {}
    void onProcessesRemoved(const std::vector<std::string>&) override {}
    void onOutput(const std::string&, OutputStream, std::string_view) override {}
    void onDaemonStateChanged(DaemonState) override {}
    std::vector<std::string> seen;
};

TEST(NotifyValues, StatusAndReadyStateChangesWithoutATransitionReachTheObservers) {
    spdlog::set_level(spdlog::level::off);
    FakeHost host;
    ManualClock clock;
    PlainDiagnostics diagnostics;
    Config config;
    ServiceSpec db = makeService("db", "sleeper");
    db.ready.kind = ProbeKind::Notify;
    config.services = {db};
    Supervisor::Options options;
    options.randomSeed = 1;
    Supervisor sup(host, clock, diagnostics, options, config);
    ValuesRecorder recorder;
    sup.addObserver(&recorder);
    sup.startAutostart();
    while (host.deliverExecStatus()) {
    }
    const pid_t pid = sup.view("db")->pid;
    ASSERT_GT(pid, 0);

    host.notify(pid, "READY=1\nSTATUS=accepting");  // a transition: it carries the values itself
    ASSERT_EQ(sup.view("db")->machine->state(), ProcessState::Running);
    recorder.seen.clear();

    host.notify(pid, "STATUS=busy");
    host.notify(pid, "RELOADING=1");
    host.notify(pid, "READY=1");
    host.notify(pid, "WATCHDOG=1");  // moves nothing: nothing to report
    EXPECT_EQ(recorder.seen, (std::vector<std::string>{"values [ready] [busy]", "values [reloading] [busy]",
                                                       "values [ready] [busy]"}));
    EXPECT_EQ(sup.view("db")->machine->state(), ProcessState::Running);
    spdlog::set_level(spdlog::level::info);
}

}  // namespace
}  // namespace sup::sim
