// A busy operator against the real daemon, driven by a seed: config rewrites and reloads (supctl reload
// and SIGHUP) that add and remove services and change numprocs, priorities and settings; `supctl
// --no-block` start/stop/restart of names, groups, globs and `all`; `supctl signal`; kill -9 of random
// children; reads over supctl and busctl. The services are a mix: sleepers, processes that ignore SIGTERM,
// crashers, daemonizers (`sleep N & exit 0`) and chatty loops.
//
// Single commands may fail with the usual errors (no such process, already running, ...). The test fails
// when the daemon dies or reports a sanitizer finding or a critical error, stops answering, does not exit
// cleanly on SIGTERM at the end, or leaves a process behind.
//
//   SUP_RANDOM_OPERATOR_SEED=N      repeat a run (the seed is printed at the start)
//   SUP_RANDOM_OPERATOR_SECONDS=N   how long the operator works (default 40)
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/Harness.h"

using namespace sup::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSeedVar = "SUP_RANDOM_OPERATOR_SEED";
constexpr const char* kSecondsVar = "SUP_RANDOM_OPERATOR_SECONDS";
constexpr const char* kMarkVar = "SUP_RANDOM_OPERATOR_MARK";  // in every service's environment
constexpr int kDefaultSeconds = 40;
constexpr int kMaxSteps = 100000;
constexpr int kPoolSize = 6;  // services s0 ... s5
// A daemon that loses a daemonizer's leftovers piles them up; past this many the test clears them (and
// fails), so that a bad daemon cannot use up the machine's pids.
constexpr std::size_t kLeftoverValve = 300;

std::optional<std::uint64_t> envNumber(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    char* end = nullptr;
    auto n = std::strtoull(v, &end, 10);
    if (*end) return std::nullopt;
    return n;
}

enum class Kind { Sleeper, TermIgnorer, Crasher, Daemonizer, Chatty };
constexpr int kKinds = 5;

const char* kindName(Kind k) {
    switch (k) {
        case Kind::Sleeper:
            return "sleeper";
        case Kind::TermIgnorer:
            return "term-ignorer";
        case Kind::Crasher:
            return "crasher";
        case Kind::Daemonizer:
            return "daemonizer";
        case Kind::Chatty:
            return "chatty";
    }
    return "?";
}

std::vector<std::string> commandOf(Kind k) {
    switch (k) {
        case Kind::Sleeper:
            return {"/bin/sleep", "7101"};
        case Kind::TermIgnorer:
            return {"/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 7102"};
        case Kind::Crasher:
            return {"/bin/sh", "-c", "sleep 0.3; echo crashing >&2; exit 1"};
        case Kind::Daemonizer:
            return {"/bin/sh", "-c", "sleep 7104 & exit 0"};
        case Kind::Chatty:
            return {"/bin/sh", "-c",
                    "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); echo chatty line $i; sleep 0.02; done"};
    }
    return {};
}

struct ServiceDraft {
    Kind kind = Kind::Sleeper;
    int numprocs = 1;
    int priority = 100;
    std::string startSeconds = "0s";
    int startRetries = 3;
    std::string backoffInitial = "100ms", backoffMax = "1s";
    std::string stopTimeout = "1s";
    std::string restart = "always";
    bool killGroup = true;
    bool autostart = true;
    std::string stdoutTarget = "daemon";
};

class RandomOperator : public ::testing::Test {
  protected:
    TestBus bus;
    TempDir conf{"supconf"};
    std::unique_ptr<Daemon> daemon;
    std::mt19937_64 rng;
    std::string markValue, markEntry;
    std::map<std::string, ServiceDraft> services;  // what the config file says now
    std::optional<std::string> tailBytes;
    std::deque<std::string> recent;  // the last operations, for the failure message
    int steps = 0;
    int unanswered = 0;             // supctl calls killed after their timeout
    std::size_t mostLeftovers = 0;  // the largest pile of daemonizer leftovers the valve had to clear
    std::size_t logScanned = 0;

    void TearDown() override {
        if (daemon && daemon->running()) {
            ::kill(daemon->pid(), SIGKILL);
            daemon->waitExit(10s);
        }
        // A dead daemon's children live on (re-parented): every process it started carries the mark.
        for (int round = 0; round < 5; ++round) {
            auto left = processesWithEnvironment(markEntry);
            if (left.empty()) break;
            killAll(left);
            waitFor([&] { return processesWithEnvironment(markEntry).empty(); }, 1s);
        }
        daemon.reset();
    }

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    bool chance(int percent) { return uniform(1, 100) <= percent; }
    template <typename T>
    T pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
    }

    void note(const std::string& what) {
        recent.push_back("#" + std::to_string(steps) + " " + what);
        if (recent.size() > 40) recent.pop_front();
    }
    std::string history() const {
        std::string out;
        for (auto& r : recent) out += "  " + r + "\n";
        return out;
    }
    // The end of the daemon's log, or the part from just before its first sanitizer report or critical line.
    std::string logTail() const {
        const auto log = daemon->log();
        std::size_t from = log.size() > 6000 ? log.size() - 6000 : 0;
        const auto trouble = firstTroubleLine(log);
        if (!trouble.empty()) {
            const auto at = log.find(trouble);
            from = at > 2000 ? at - 2000 : 0;  // a little of what came before it
        }
        return (from > 0 ? "...\n" : "") + log.substr(from, 20000);
    }

    CommandResult ctl(std::vector<std::string> args) {
        args.insert(args.begin(), SUPCTL_BIN);
        auto r = runCommand(args, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}, {"NO_COLOR", "1"}},
                            std::nullopt, 20s);
        if (r.exitCode == 128 + SIGKILL) ++unanswered;
        return r;
    }

    ServiceDraft randomService() {
        ServiceDraft s;
        s.kind = static_cast<Kind>(uniform(0, kKinds - 1));
        s.numprocs = uniform(1, 4);
        s.priority = pick(std::vector<int>{10, 100, 100, 200, 900});
        s.startSeconds = pick(std::vector<std::string>{"0s", "0s", "200ms", "1s"});
        s.startRetries = uniform(0, 5);
        s.backoffInitial = pick(std::vector<std::string>{"100ms", "300ms"});
        // Each run of a daemonizer may leave a process behind (on a daemon with that bug, one per run):
        // slow enough that a bad daemon cannot use up the machine's pids within the test.
        if (s.kind == Kind::Daemonizer) {
            s.backoffInitial = "1s";
            s.backoffMax = "2s";
        }
        s.stopTimeout =
            s.kind == Kind::TermIgnorer ? "1s" : pick(std::vector<std::string>{"500ms", "1s", "2s"});
        s.restart = pick(std::vector<std::string>{"always", "always", "always", "on-failure", "never"});
        // A process group is what lets the daemon find a daemonizer's leftovers; only services that
        // exec a single process may do without.
        s.killGroup = (s.kind == Kind::Sleeper || s.kind == Kind::TermIgnorer) ? chance(70) : true;
        s.autostart = chance(85);
        s.stdoutTarget = pick(std::vector<std::string>{"daemon", "daemon", "null"});
        return s;
    }

    std::string yaml() const {
        std::ostringstream out;
        if (tailBytes) out << "supervisor:\n  tail_bytes: " << *tailBytes << "\n";
        if (services.empty()) {
            out << "services: {}\n";
            return out.str();
        }
        out << "services:\n";
        for (auto& [name, s] : services) {
            out << "  " << name << ":\n"
                << "    command: " << nlohmann::json(commandOf(s.kind)).dump() << "\n"
                << "    numprocs: " << s.numprocs << "\n"
                << "    priority: " << s.priority << "\n"
                << "    start_seconds: " << s.startSeconds << "\n"
                << "    start_retries: " << s.startRetries << "\n"
                << "    backoff: {initial: " << s.backoffInitial << ", max: " << s.backoffMax << "}\n"
                << "    stop_timeout: " << s.stopTimeout << "\n"
                << "    restart: " << s.restart << "\n"
                << "    kill_group: " << (s.killGroup ? "true" : "false") << "\n"
                << "    autostart: " << (s.autostart ? "true" : "false") << "\n"
                << "    stdout: " << s.stdoutTarget << "\n"
                << "    stderr: stdout\n"
                << "    environment: {" << kMarkVar << ": \"" << markValue << "\"}\n";
        }
        return out.str();
    }

    std::string describeConfig() const {
        std::string out;
        for (auto& [name, s] : services)
            out += " " + name + "=" + kindName(s.kind) + "x" + std::to_string(s.numprocs) + "/p" +
                   std::to_string(s.priority);
        return out.empty() ? " (no services)" : out;
    }

    // One to three random changes to the services.
    void mutateConfig() {
        const int changes = uniform(1, 3);
        for (int i = 0; i < changes; ++i) {
            const std::string name = "s" + std::to_string(uniform(0, kPoolSize - 1));
            auto it = services.find(name);
            if (it == services.end()) {
                services[name] = randomService();
                continue;
            }
            switch (uniform(0, 5)) {
                case 0:
                    services.erase(it);
                    break;
                case 1:
                case 2:
                    it->second.numprocs = uniform(1, 4);
                    break;
                case 3:
                    it->second.priority = pick(std::vector<int>{10, 100, 200, 900});
                    break;
                case 4:
                    it->second = randomService();
                    break;
                default:
                    it->second.startRetries = uniform(0, 5);  // a change that restarts it
                    break;
            }
        }
        if (chance(10)) tailBytes = chance(50) ? std::optional<std::string>{"4KiB"} : std::nullopt;
    }

    std::vector<std::string> instanceNames() const {
        std::vector<std::string> out;
        for (auto& [name, s] : services) {
            if (s.numprocs == 1) {
                out.push_back(name);
                continue;
            }
            for (int i = 0; i < s.numprocs; ++i) out.push_back(name + "@" + std::to_string(i));
        }
        return out;
    }

    std::string randomPattern() {
        const int roll = uniform(1, 100);
        if (roll <= 6) return "all";
        if (roll <= 10) return "nope" + std::to_string(uniform(0, 9));
        if (roll <= 25)
            return pick(std::vector<std::string>{"s*", "s[0-2]", "s[3-5]*", "*@1", "s?@0", "*@[23]"});
        if (roll <= 50 || services.empty()) return "s" + std::to_string(uniform(0, kPoolSize - 1));
        auto names = instanceNames();
        return names.empty() ? "all" : pick(names);
    }

    std::vector<std::string> randomPatterns() {
        std::vector<std::string> out{randomPattern()};
        while (out.size() < 3 && chance(20)) out.push_back(randomPattern());
        return out;
    }

    static std::string joined(const std::vector<std::string>& words) {
        std::string out;
        for (auto& w : words) out += (out.empty() ? "" : " ") + w;
        return out;
    }

    void writeConfig() { writeFile(conf / "services.yaml", yaml()); }

    // One random operator action.
    void act() {
        static const std::vector<double> weights = {
            12,  // 0 rewrite + supctl reload
            6,   // 1 rewrite + SIGHUP
            3,   // 2 SIGHUP without a change
            2,   // 3 a broken config, reload refused, then the good one back
            15,  // 4 start
            14,  // 5 stop
            15,  // 6 restart
            9,   // 7 signal
            10,  // 8 kill -9 of a random child
            10,  // 9 reads: status, show, tail, GetManagedObjects
            4,   // 10 a pause
        };
        std::discrete_distribution<int> which(weights.begin(), weights.end());
        const int op = which(rng);
        switch (op) {
            case 0: {
                mutateConfig();
                writeConfig();
                auto r = ctl({"reload"});
                note("reload ->" + std::to_string(r.exitCode) + describeConfig());
                break;
            }
            case 1: {
                mutateConfig();
                writeConfig();
                ::kill(daemon->pid(), SIGHUP);
                note("SIGHUP after rewrite:" + describeConfig());
                break;
            }
            case 2:
                ::kill(daemon->pid(), SIGHUP);
                note("SIGHUP");
                break;
            case 3: {
                writeFile(conf / "services.yaml", yaml() + "  broken:\n    restart: sometimes\n");
                auto r = ctl({"reload"});
                note("broken reload -> " + std::to_string(r.exitCode));
                writeConfig();
                break;
            }
            case 4:
            case 5:
            case 6: {
                static const char* verbs[] = {"start", "stop", "restart"};
                const std::string verb = verbs[op - 4];
                auto patterns = randomPatterns();
                std::vector<std::string> args{verb, "--no-block"};
                args.insert(args.end(), patterns.begin(), patterns.end());
                auto r = ctl(args);
                note(verb + " --no-block " + joined(patterns) + " -> " + std::to_string(r.exitCode));
                break;
            }
            case 7: {
                const std::string sig = pick(
                    std::vector<std::string>{"TERM", "HUP", "INT", "USR1", "KILL", "STOP", "CONT", "CONT"});
                auto patterns = randomPatterns();
                std::vector<std::string> args{"signal", sig};
                args.insert(args.end(), patterns.begin(), patterns.end());
                auto r = ctl(args);
                note("signal " + sig + " " + joined(patterns) + " -> " + std::to_string(r.exitCode));
                break;
            }
            case 8: {
                // kill -9 of a child, as an operator picks one from `ps`: first a command, then one of
                // the processes running it (so a few processes are not drowned by many of another kind).
                std::map<std::string, std::vector<pid_t>> byCommand;
                const auto marked = processesWithEnvironment(markEntry);
                for (pid_t c : childrenOf(daemon->pid()))
                    if (std::find(marked.begin(), marked.end(), c) != marked.end())
                        byCommand[cmdlineOf(c)].push_back(c);
                if (byCommand.empty()) {
                    note("kill -9: no child");
                    break;
                }
                auto it = byCommand.begin();
                std::advance(it, uniform(0, static_cast<int>(byCommand.size()) - 1));
                const pid_t victim = pick(it->second);
                ::kill(victim, SIGKILL);
                note("kill -9 " + std::to_string(victim) + " (" + it->first + ")");
                break;
            }
            case 9: {
                const int kind = uniform(0, 3);
                if (kind == 0) {
                    auto r = ctl({"status", "--json"});
                    note("status --json -> " + std::to_string(r.exitCode));
                } else if (kind == 1) {
                    const std::string p = randomPattern();
                    auto r = ctl({"show", p});
                    note("show " + p + " -> " + std::to_string(r.exitCode));
                } else if (kind == 2) {
                    const std::string p = randomPattern();
                    auto r = ctl({"tail", "-n", "5", p});
                    note("tail " + p + " -> " + std::to_string(r.exitCode));
                } else {
                    auto r = runCommand(
                        {"busctl", "--address=" + bus.address(), "call", "io.supervisord", "/io/supervisord",
                         "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"},
                        {}, std::nullopt, 20s);
                    if (r.exitCode == 128 + SIGKILL) ++unanswered;
                    note("busctl GetManagedObjects -> " + std::to_string(r.exitCode) +
                         (r.exitCode != 0 ? " " + r.err.substr(0, 200) : ""));
                }
                break;
            }
            default: {
                const int ms = uniform(200, 800);
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                note("pause " + std::to_string(ms) + " ms");
                break;
            }
        }
    }

    void clearPiledUpLeftovers() {
        const auto leftovers = processesWithCmdline("sleep 7104");
        if (leftovers.size() <= kLeftoverValve) return;
        mostLeftovers = std::max(mostLeftovers, leftovers.size());
        killAll(leftovers);
        note("cleared " + std::to_string(leftovers.size()) + " daemonizer leftovers");
    }

    // "" while the daemon is fine; otherwise what is wrong. Reads only the part of the log not seen yet.
    std::string trouble() {
        if (!daemon->running())
            return "the daemon died (exit status " + std::to_string(daemon->waitExit(0ms)) + ")";
        std::ifstream in(daemon->logPath(), std::ios::binary);
        in.seekg(static_cast<std::streamoff>(logScanned));
        std::string fresh((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto end = fresh.rfind('\n');
        if (end == std::string::npos) return "";
        fresh.resize(end + 1);  // whole lines only; the rest is read next time
        logScanned += fresh.size();
        const auto line = firstTroubleLine(fresh);
        return line.empty() ? "" : "the daemon's log reports: " + line;
    }
};

TEST_F(RandomOperator, TheDaemonSurvivesABusyOperatorAndLeavesNothingBehind) {
    const std::uint64_t seed =
        envNumber(kSeedVar).value_or((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                     static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()));
    const auto seconds =
        static_cast<int>(std::min<std::uint64_t>(envNumber(kSecondsVar).value_or(kDefaultSeconds), 3600));
    std::printf("[ random operator ] seed %llu, %d s (repeat with %s=%llu)\n",
                static_cast<unsigned long long>(seed), seconds, kSeedVar,
                static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    RecordProperty("seed", std::to_string(seed));
    SCOPED_TRACE("seed " + std::to_string(seed) + " (" + kSeedVar + "=" + std::to_string(seed) + ")");
    rng.seed(seed);
    markValue = std::to_string(::getpid()) + "-" + std::to_string(seed);
    markEntry = std::string(kMarkVar) + "=" + markValue;

    const int initial = uniform(2, 4);
    for (int i = 0; i < initial; ++i)
        services["s" + std::to_string(uniform(0, kPoolSize - 1))] = randomService();
    writeConfig();
    daemon = std::make_unique<Daemon>(bus, conf.path());
    ASSERT_TRUE(daemon->waitReady()) << daemon->log();
    note("started with" + describeConfig());

    const auto until = Clock::now() + std::chrono::seconds(seconds);
    std::string problem;
    for (steps = 1; steps <= kMaxSteps && Clock::now() < until; ++steps) {
        act();
        problem = trouble();
        if (steps % 20 == 0) clearPiledUpLeftovers();
        if (!problem.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(uniform(0, 100)));  // the operator's pace
    }
    const int done = problem.empty() ? steps - 1 : steps;
    if (!problem.empty()) daemon->waitExit(5s);  // a sanitizer finishes its report, then the daemon exits
    std::printf("[ random operator ] %d operations\n", done);
    ASSERT_EQ(problem, "") << "after " << done << " operations; the last ones:\n"
                           << history() << "daemon log:\n"
                           << logTail();
    EXPECT_EQ(unanswered, 0) << "supctl/busctl calls that got no answer within 20 s\n" << history();
    EXPECT_EQ(mostLeftovers, 0u) << "daemonizer leftovers piled up past " << kLeftoverValve
                                 << " during the run (" << mostLeftovers << " at the worst)";

    // The end of the shift: SIGTERM, a clean exit, nothing left.
    ASSERT_EQ(::kill(daemon->pid(), SIGTERM), 0);
    const int code = daemon->waitExit(30s);
    EXPECT_EQ(code, 0) << (code < 0 ? "the daemon did not exit within 30 s of SIGTERM\n" : "exit status\n")
                       << "last operations:\n"
                       << history() << "daemon log (tail):\n"
                       << logTail();
    if (code < 0) {
        ::kill(daemon->pid(), SIGKILL);
        daemon->waitExit(10s);
    }
    std::vector<pid_t> left;
    waitFor(
        [&] {
            left = processesWithEnvironment(markEntry);
            return left.empty();
        },
        5s);
    std::map<std::string, int> byCommand;  // 200 daemonizer leftovers are one line, not 200
    for (pid_t p : left) ++byCommand["'" + cmdlineOf(p) + "', parent " + std::to_string(parentOf(p))];
    std::string leftovers;
    for (auto& [cmd, n] : byCommand) leftovers += "  " + std::to_string(n) + " x " + cmd + "\n";
    EXPECT_TRUE(left.empty()) << left.size() << " processes started by the daemon outlived it:\n"
                              << leftovers;
    EXPECT_EQ(firstTroubleLine(daemon->log()), "") << logTail();
}

}  // namespace
