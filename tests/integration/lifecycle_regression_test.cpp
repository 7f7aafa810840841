// Regressions of the lifecycle core, each seen on the real daemon: a quick second reload while removed
// instances still stop, a shutdown while a restart is pending, D-Bus while a removed instance stops,
// child output with `log_level: warn`, and the leftovers of a service that daemonizes.
//
// Every service runs a command with its own marker number (sleep 61xx, 62xx, ...), so the test can find
// its processes in /proc, tell them from anything else on the machine, and kill what a failing daemon
// left behind.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"
#include "integration/SignalWatch.h"

using namespace sup::test;

namespace {

using Clock = std::chrono::steady_clock;

class LifecycleRegression : public DaemonTest {
  protected:
    // Command lines (as cmdlineOf() shows them) of the processes this test starts: killed in TearDown,
    // whatever the daemon did with them.
    std::vector<std::string> markers;

    void startDaemonWith(const std::string& yaml, const DaemonOptions& options) {
        writeFile(conf / "services.yaml", yaml);
        daemon = std::make_unique<Daemon>(bus, conf.path(), options);
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
    }

    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        DaemonTest::TearDown();
    }

    // The instances of one service in `supctl status --json` (any naming scheme: matched by group).
    std::vector<nlohmann::json> instancesOf(const std::string& group) const {
        std::vector<nlohmann::json> out;
        for (auto& p : daemon->status())
            if (p.value("group", "") == group) out.push_back(p);
        return out;
    }

    // Every instance of `group` RUNNING with a live process that has already exec'd `cmdline`.
    bool allRunning(const std::string& group, std::size_t count, const std::string& cmdline) const {
        auto list = instancesOf(group);
        if (list.size() != count) return false;
        for (auto& p : list) {
            pid_t pid = p.value("pid", 0);
            if (p.value("state", "") != "RUNNING" || pid <= 0 || cmdlineOf(pid) != cmdline) return false;
        }
        return true;
    }

    static std::string describe(const std::vector<pid_t>& pids) {
        std::ostringstream out;
        for (pid_t p : pids) out << " " << p << " (parent " << parentOf(p) << ", '" << cmdlineOf(p) << "')";
        return out.str();
    }
};

std::string termIgnoringService(const std::string& name, const std::string& marker, int numprocs,
                                const std::string& stopTimeout) {
    return "  " + name + ":\n    command: [\"/bin/sh\", \"-c\", \"trap '' TERM; exec " + marker +
           "\"]\n    numprocs: " + std::to_string(numprocs) + "\n    stop_timeout: " + stopTimeout + "\n";
}

// Reload with numprocs 4 -> 2 and, while the two removed instances still wait out their stop_timeout
// (their processes ignore SIGTERM), reload again with 4. The daemon must neither crash nor lose track of
// the old processes: they are SIGKILLed on time, and then exactly four instances run, each with one
// process, and no process of the service lives on untracked.
TEST_F(LifecycleRegression, AQuickSecondReloadKillsTheOldProcessesAndKeepsExactlyTheNewOnes) {
    const std::string marker = "/bin/sleep 6101";
    markers = {marker};
    auto config = [&](int numprocs) {
        return "services:\n" + termIgnoringService("w", marker, numprocs, "4s");
    };
    startDaemon(config(4));
    ASSERT_TRUE(waitFor([&] { return allRunning("w", 4, marker); })) << daemon->log();
    std::set<pid_t> original;
    for (auto& p : instancesOf("w")) original.insert(p.value("pid", 0));
    ASSERT_EQ(original.size(), 4u);

    const auto firstReload = Clock::now();
    writeFile(conf / "services.yaml", config(2));
    auto r = daemon->ctl({"reload"});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err << daemon->log();
    // The two that stay keep their processes; the other two are being stopped and ignore SIGTERM.
    std::set<pid_t> kept;
    ASSERT_TRUE(waitFor(
        [&] {
            kept.clear();
            for (auto& p : instancesOf("w"))
                if (p.value("state", "") == "RUNNING") kept.insert(p.value("pid", 0));
            return kept.size() == 2;
        },
        2s))
        << daemon->ctl({"status"}).out;
    std::vector<pid_t> doomed;
    for (pid_t p : original)
        if (!kept.count(p)) doomed.push_back(p);
    ASSERT_EQ(doomed.size(), 2u) << "the survivors must be two of the original processes";
    for (pid_t p : doomed) ASSERT_TRUE(processExists(p)) << p << " should still be ignoring SIGTERM";

    writeFile(conf / "services.yaml", config(4));
    r = daemon->ctl({"reload"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    ASSERT_LT(Clock::now() - firstReload, 3500ms)
        << "too slow: the second reload must come within stop_timeout";

    // Still alive and answering.
    ASSERT_TRUE(daemon->running()) << daemon->log();
    auto st = daemon->ctl({"status"});
    EXPECT_TRUE(st.exitCode == 0 || st.exitCode == 3) << st.exitCode << st.out << st.err;

    // The old processes are SIGKILLed after their stop_timeout (4 s after the first reload), give or take.
    const auto killDeadline = firstReload + 4s + 4s;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(killDeadline - Clock::now());
    EXPECT_TRUE(waitFor(
        [&] { return std::none_of(doomed.begin(), doomed.end(), [](pid_t p) { return processExists(p); }); },
        std::max(left, std::chrono::milliseconds(0))))
        << "old processes of the removed instances still alive 8 s after the first reload:"
        << describe(doomed) << "\n"
        << daemon->log();
    ASSERT_TRUE(daemon->running()) << daemon->log();
    // If the daemon lost track of them, end them here: their exit must not hurt the daemon.
    std::vector<pid_t> lost;
    std::copy_if(doomed.begin(), doomed.end(), std::back_inserter(lost),
                 [](pid_t p) { return processExists(p); });
    if (!lost.empty()) {
        killAll(lost);
        waitFor(
            [&] { return std::none_of(lost.begin(), lost.end(), [](pid_t p) { return processExists(p); }); },
            5s);
        waitFor([&] { return !daemon->running(); }, 1s);  // a crash on their exit shows within a moment
        ASSERT_TRUE(daemon->running())
            << "the daemon died when the old processes it had lost track of exited:\n"
            << daemon->log();
    }

    // Then: four instances, one live process each, and every such process of the daemon is tracked.
    std::set<pid_t> tracked, untracked;
    bool settled = waitFor(
        [&] {
            tracked.clear();
            untracked.clear();
            if (!allRunning("w", 4, marker)) return false;
            for (auto& p : instancesOf("w")) tracked.insert(p.value("pid", 0));
            for (pid_t p : processesWithCmdline(marker))
                if (parentOf(p) == daemon->pid() && !tracked.count(p)) untracked.insert(p);
            return tracked.size() == 4 && untracked.empty();
        },
        10s);
    EXPECT_TRUE(settled) << "status:\n"
                         << daemon->ctl({"status"}).out << "tracked " << tracked.size()
                         << ", untracked children running '" << marker
                         << "':" << describe({untracked.begin(), untracked.end()}) << "\n"
                         << daemon->log();
    EXPECT_EQ(processesWithCmdline(marker).size(), 4u) << describe(processesWithCmdline(marker));
    EXPECT_TRUE(daemon->running()) << daemon->log();
}

// `supctl restart` of a service whose process ignores SIGTERM leaves it STOPPING with a start pending;
// a SIGTERM to the daemon then must win: the daemon SIGKILLs it after stop_timeout, starts nothing new,
// stops the rest and exits.
TEST_F(LifecycleRegression, ShutdownWhileARestartIsPendingEndsInTimeAndStartsNothing) {
    const std::string wMarker = "/bin/sleep 6201", plainMarker = "/bin/sleep 6202";
    markers = {wMarker, plainMarker};
    // Shutdown stops by descending priority: w (200) first, plain (100) after it.
    startDaemon("services:\n" + termIgnoringService("w", wMarker, 1, "3s") + "    priority: 200\n" +
                "  plain:\n    command: [\"/bin/sleep\", \"6202\"]\n    priority: 100\n");
    ASSERT_TRUE(waitFor([&] { return allRunning("w", 1, wMarker) && allRunning("plain", 1, plainMarker); }))
        << daemon->log();
    const pid_t w = daemon->pidOf("w"), plain = daemon->pidOf("plain");

    auto r = daemon->ctl({"restart", "--no-block", "w"});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    ASSERT_TRUE(daemon->waitState("w", "STOPPING", 2s)) << daemon->log();
    ASSERT_TRUE(processExists(w));

    ASSERT_EQ(::kill(daemon->pid(), SIGTERM), 0);
    const int code = daemon->waitExit(3s + 5s);
    EXPECT_EQ(code, 0) << (code < 0 ? "the daemon did not exit within stop_timeout + 5 s after SIGTERM\n"
                                    : "unexpected exit status\n")
                       << daemon->log();
    if (code < 0) {
        ::kill(daemon->pid(), SIGKILL);
        daemon->waitExit(10s);
    }
    EXPECT_FALSE(processExists(w)) << w;
    EXPECT_FALSE(processExists(plain)) << plain;
    std::vector<pid_t> left;
    waitFor(
        [&] {
            left = processesWithCmdline(wMarker);
            auto more = processesWithCmdline(plainMarker);
            left.insert(left.end(), more.begin(), more.end());
            return left.empty();
        },
        2s);
    EXPECT_TRUE(left.empty()) << "left running after the daemon's shutdown:" << describe(left) << "\n"
                              << daemon->log();
    // Nothing was started after the SIGTERM (every state change is in the log at the harness's level).
    const auto log = daemon->log();
    const auto sigterm = log.find("received SIGTERM");
    ASSERT_NE(sigterm, std::string::npos) << log;
    EXPECT_EQ(log.find("-> STARTING", sigterm), std::string::npos)
        << "started something while shutting down\n"
        << log.substr(sigterm);
}

// A reload removes a service whose process ignores SIGTERM: while it waits out its stop_timeout, the
// daemon must keep serving D-Bus: GetManagedObjects and `supctl status` work, and no property change
// fails to go out.
TEST_F(LifecycleRegression, ARemovedInstanceThatIsStillStoppingDoesNotBreakDBus) {
    const std::string goneMarker = "/bin/sleep 6401", keepMarker = "/bin/sleep 6402";
    markers = {goneMarker, keepMarker};
    startDaemon("services:\n  keep:\n    command: [\"/bin/sleep\", \"6402\"]\n" +
                termIgnoringService("gone", goneMarker, 1, "6s"));
    ASSERT_TRUE(waitFor([&] {
        return allRunning("gone", 1, goneMarker) && allRunning("keep", 1, keepMarker);
    })) << daemon->log();
    const pid_t gone = daemon->pidOf("gone"), keep = daemon->pidOf("keep");
    // Signals go out only while a client is subscribed: this one makes the daemon send them.
    SignalWatch watch(bus.address());

    writeFile(conf / "services.yaml", "services:\n  keep:\n    command: [\"/bin/sleep\", \"6402\"]\n");
    const auto reloaded = Clock::now();
    auto r = daemon->ctl({"reload"});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;

    auto busctl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"busctl", "--address=" + bus.address()});
        return runCommand(args, {}, std::nullopt, 20s);
    };
    // Sample the stopping window a few times (it lasts stop_timeout, 6 s).
    int samples = 0;
    for (int i = 0; i < 4 && processExists(gone) && Clock::now() - reloaded < 5s; ++i) {
        ++samples;
        auto objects = busctl({"call", "io.supervisord", "/io/supervisord",
                               "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"});
        EXPECT_EQ(objects.exitCode, 0) << "GetManagedObjects while a removed instance stops: " << objects.err;
        EXPECT_NE(objects.out.find("/io/supervisord/process/keep"), std::string::npos) << objects.out;
        auto status = daemon->ctl({"status"});
        EXPECT_TRUE(status.exitCode == 0 || status.exitCode == 3)
            << "supctl status exit " << status.exitCode << ": " << status.out << status.err;
        EXPECT_NE(status.out.find("keep"), std::string::npos) << status.out;
        if (HasFailure()) break;             // one failed sample says it all
        std::this_thread::sleep_for(500ms);  // sampling interval, not a wait for an outcome
    }
    ASSERT_GT(samples, 0) << "the removed process was gone before D-Bus could be checked";

    // It is SIGKILLed after its stop_timeout and then disappears; nothing else changes.
    EXPECT_TRUE(waitFor([&] { return !processExists(gone); }, 6s + 5s)) << gone << "\n" << daemon->log();
    EXPECT_TRUE(waitFor([&] { return daemon->process("gone").is_null(); }, 5s))
        << daemon->ctl({"status"}).out;
    EXPECT_EQ(daemon->pidOf("keep"), keep);
    EXPECT_TRUE(waitFor([&] { return watch.saw("removed /io/supervisord/process/gone"); }))
        << "the removal was not signalled\n"
        << daemon->log();
    EXPECT_TRUE(watch.saw("state gone RUNNING->STOPPING")) << daemon->log();
    EXPECT_EQ(daemon->log().find("Failed to emit PropertiesChanged"), std::string::npos) << daemon->log();
}

// With `log_level: warn`, the output of a service whose stdout goes to the daemon's log (the default)
// is still in that log: the level filters the daemon's own chatter, not what services say.
TEST_F(LifecycleRegression, ChildOutputReachesTheDaemonLogAtLogLevelWarn) {
    const std::string marker = "/bin/sleep 6501", line = "talker-says-6501";
    markers = {marker};
    DaemonOptions options;
    options.logLevelFromConfig = true;  // no --log-level debug from the harness
    startDaemonWith(
        "supervisor:\n  log_level: warn\nservices:\n  talker:\n    command: [\"/bin/sh\", \"-c\", \"echo " +
            line + "; exec " + marker + "\"]\n    start_seconds: 0s\n",
        options);
    ASSERT_TRUE(waitFor([&] { return allRunning("talker", 1, marker); })) << daemon->log();
    // The daemon has read the line (it is in the in-memory tail)...
    ASSERT_TRUE(waitFor(
        [&] {
            return daemon->ctl({"tail", "talker"}).out.find(line) != std::string::npos;
        },
        5s))
        << daemon->ctl({"tail", "talker"}).out;
    // ...and the configured level is in force: info lines of the daemon itself are filtered.
    EXPECT_EQ(daemon->log().find("running with"), std::string::npos) << daemon->log();
    // The line must be in the daemon's log.
    EXPECT_TRUE(waitFor([&] { return daemon->log().find(line) != std::string::npos; }, 5s))
        << "'" << line << "' is missing from the daemon's log:\n"
        << daemon->log();
}

// A service that leaves a process behind on every run (`sleep N & exit 0`) and is restarted by the
// backoff must not pile those processes up: at most the leftover of the latest run may exist at any
// time, the daemon says so, and after the daemon's shutdown none is left.
TEST_F(LifecycleRegression, LeftoversOfADaemonizingServiceDoNotPileUpAndEndWithTheDaemon) {
    const std::string marker = "sleep 6301";
    markers = {marker};
    startDaemon(R"(
services:
  forker:
    command: ["/bin/sh", "-c", "sleep 6301 & exit 0"]
    backoff: {initial: 1s, max: 2s}
)");
    // Sample the number of leftovers for 8 s (several runs: at 0 s, 1 s, 3 s, 5 s, ...).
    std::size_t most = 0;
    std::vector<pid_t> worst;
    const auto until = Clock::now() + 8s;
    for (int i = 0; i < 2000 && Clock::now() < until; ++i) {
        auto now = processesWithCmdline(marker);
        if (now.size() > most) {
            most = now.size();
            worst = now;
        }
        ASSERT_TRUE(daemon->running()) << daemon->log();
        std::this_thread::sleep_for(50ms);  // sampling interval
    }
    auto forker = daemon->process("forker");
    ASSERT_FALSE(forker.is_null());
    ASSERT_GE(forker.value("restarts", 0), 2) << "premise: the service ran several times\n" << forker.dump();
    EXPECT_LE(most, 1u) << "leftovers of earlier runs piled up:" << describe(worst) << "\n" << daemon->log();
    const std::string reason = forker.value("reason", "");
    EXPECT_TRUE(reason.find("left behind") != std::string::npos ||
                daemon->log().find("left behind") != std::string::npos)
        << "neither the status nor the log mentions the leftover process; reason: " << reason << "\n"
        << daemon->log();
    // supctl doctor explains what to do about it.
    auto doctor = daemon->ctl({"doctor", "forker"});
    EXPECT_NE(doctor.out.find("behind in its process group"), std::string::npos) << doctor.out << doctor.err;
    EXPECT_NE(doctor.out.find("foreground"), std::string::npos) << doctor.out << doctor.err;

    EXPECT_EQ(daemon->terminate(10s), 0) << daemon->log();
    std::vector<pid_t> left;
    EXPECT_TRUE(waitFor(
        [&] {
            left = processesWithCmdline(marker);
            return left.empty();
        },
        3s))
        << "left running after the daemon exited:" << describe(left);
}

}  // namespace
