// Thousands of random D-Bus calls against the real daemon from uid nobody: random object paths,
// interfaces, methods (real ones and made-up ones) and arguments of random types and values. The daemon
// must survive, every service must keep its PID, and `supctl status` must still answer. The seed is
// printed; SUP_BUS_FUZZ_SEED replays one, SUP_BUS_FUZZ_CALLS changes the count.
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

const char* kServices = R"(
services:
  web:
    command: ["/bin/sleep", "1002"]
    numprocs: 2
    start_seconds: 0s
  db:
    command: ["/bin/sh", "-c", "echo ready; exec /bin/sleep 1002"]
    start_seconds: 0s
  idle:
    command: ["/bin/sleep", "1002"]
    autostart: false
)";

class Fuzzer {
  public:
    explicit Fuzzer(unsigned seed) : rng_(seed) {}

    std::string path() {
        static const std::vector<std::string> paths = {"/io/supervisord",
                                                       "/io/supervisord/process/web_400",
                                                       "/io/supervisord/process/web_401",
                                                       "/io/supervisord/process/db",
                                                       "/io/supervisord/process/idle",
                                                       "/io/supervisord/process/nope",
                                                       "/",
                                                       "/io",
                                                       "/io/supervisord/process"};
        return pick(paths);
    }
    std::string interface() {
        static const std::vector<std::string> interfaces = {"io.supervisord.Manager1",
                                                            "io.supervisord.Manager1",
                                                            "io.supervisord.Manager1",
                                                            "io.supervisord.Process1",
                                                            "org.freedesktop.DBus.Properties",
                                                            "org.freedesktop.DBus.Introspectable",
                                                            "org.freedesktop.DBus.ObjectManager",
                                                            "org.freedesktop.DBus.Peer",
                                                            "io.supervisord.Nope1"};
        return pick(interfaces);
    }
    std::string method() {
        static const std::vector<std::string> methods = {
            "ListProcesses", "GetProcess", "Match",           "Start",     "Stop",       "Restart",
            "Signal",        "Reload",     "Shutdown",        "Tail",      "Follow",     "GetLimits",
            "Doctor",        "Get",        "GetAll",          "Set",       "Introspect", "GetManagedObjects",
            "Ping",          "Nope",       "ListProcessRows", "Subscribe", "Unsubscribe"};
        return pick(methods);
    }
    // Strings that matter to the daemon (names, globs, streams, signals) and junk.
    std::string text() {
        static const std::vector<std::string> words = {"web",
                                                       "web@0",
                                                       "web@1",
                                                       "db",
                                                       "idle",
                                                       "all",
                                                       "*",
                                                       "web@*",
                                                       "[",
                                                       "[!a-z]*",
                                                       "stdout",
                                                       "stderr",
                                                       "HUP",
                                                       "SIGKILL",
                                                       "9",
                                                       "0",
                                                       "-1",
                                                       "99999",
                                                       "io.supervisord.Manager1",
                                                       "io.supervisord.Process1",
                                                       "State",
                                                       "Pid",
                                                       "",
                                                       " "};
        switch (below(4)) {
            case 0: {
                std::string s;
                const std::size_t length = below(3) == 0 ? below(2000) : below(24);
                for (std::size_t i = 0; i < length; ++i) s += static_cast<char>(' ' + below(95));
                return s;
            }
            case 1:
                return std::string(below(40), '*') + pick(words);
            default:
                return pick(words);
        }
    }
    std::vector<std::string> texts() {
        std::vector<std::string> out;
        const std::size_t n = below(5) == 0 ? below(600) : below(4);
        for (std::size_t i = 0; i < n; ++i) out.push_back(text());
        return out;
    }
    // A real member with arguments of its own signature ("s", "as", "u", "v") but random values.
    struct Member {
        const char* path;  // "" = a process object
        const char* interface;
        const char* method;
        const char* signature;  // one character per argument; 'a' = as
    };
    const Member& member() {
        static const std::vector<Member> members = {
            {"/io/supervisord", "io.supervisord.Manager1", "ListProcesses", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "ListProcessRows", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "GetProcess", "s"},
            {"/io/supervisord", "io.supervisord.Manager1", "Match", "a"},
            {"/io/supervisord", "io.supervisord.Manager1", "Start", "a"},
            {"/io/supervisord", "io.supervisord.Manager1", "Stop", "a"},
            {"/io/supervisord", "io.supervisord.Manager1", "Restart", "a"},
            {"/io/supervisord", "io.supervisord.Manager1", "Signal", "as"},
            {"/io/supervisord", "io.supervisord.Manager1", "Reload", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "Shutdown", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "Tail", "ssu"},
            {"/io/supervisord", "io.supervisord.Manager1", "Follow", "ssu"},
            {"/io/supervisord", "io.supervisord.Manager1", "GetLimits", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "Doctor", "a"},
            {"/io/supervisord", "io.supervisord.Manager1", "Subscribe", ""},
            {"/io/supervisord", "io.supervisord.Manager1", "Unsubscribe", ""},
            {"", "io.supervisord.Process1", "Start", ""},
            {"", "io.supervisord.Process1", "Stop", ""},
            {"", "io.supervisord.Process1", "Restart", ""},
            {"", "io.supervisord.Process1", "Signal", "s"},
            {"", "org.freedesktop.DBus.Properties", "Get", "ss"},
            {"", "org.freedesktop.DBus.Properties", "GetAll", "s"},
            {"", "org.freedesktop.DBus.Properties", "Set", "ssv"},
            {"/io/supervisord", "org.freedesktop.DBus.Properties", "Get", "ss"},
            {"/io/supervisord", "org.freedesktop.DBus.Properties", "GetAll", "s"},
            {"/io/supervisord", "org.freedesktop.DBus.Introspectable", "Introspect", ""},
            {"/io/supervisord", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", ""},
            {"", "org.freedesktop.DBus.Peer", "Ping", ""},
        };
        return pick(members);
    }
    void appendTyped(sdbus::MethodCall& call, const char* signature) {
        for (const char* c = signature; *c; ++c) {
            switch (*c) {
                case 's':
                    call << text();
                    break;
                case 'a':
                    call << texts();
                    break;
                case 'u':
                    call << static_cast<uint32_t>(below(2) == 0 ? below(20) : rng_());
                    break;
                default:
                    call << sdbus::Variant(text());
                    break;
            }
        }
    }
    // One to four arguments of random D-Bus types.
    void appendArguments(sdbus::MethodCall& call) {
        const std::size_t n = below(5);
        for (std::size_t i = 0; i < n; ++i) {
            switch (below(9)) {
                case 0:
                case 1:
                    call << text();
                    break;
                case 2:
                    call << texts();
                    break;
                case 3:
                    call << static_cast<uint32_t>(rng_());
                    break;
                case 4:
                    call << static_cast<int32_t>(rng_());
                    break;
                case 5:
                    call << (below(2) == 0);
                    break;
                case 6:
                    call << sdbus::Variant(text());
                    break;
                case 7:
                    call << std::vector<uint8_t>(below(64), static_cast<uint8_t>(rng_()));
                    break;
                default:
                    call << std::map<std::string, sdbus::Variant>{{text(), sdbus::Variant(below(100))}};
                    break;
            }
        }
    }
    std::size_t below(std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

  private:
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items[below(items.size())];
    }
    std::mt19937 rng_;
};

// In a child process as nobody: `calls` random calls; exits 0 when done (every reply or error is fine).
int fuzzAsNobody(const std::string& address, unsigned seed, int calls) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0)
        return 10;
    try {
        auto connection = sdbus::createSessionBusConnectionWithAddress(address);
        Fuzzer fuzz(seed);
        std::map<std::string, int> outcomes;
        for (int i = 0; i < calls; ++i) {
            // Mostly real members with well-typed random arguments (they reach the handlers), the rest
            // random paths, interfaces, methods and argument types (they test dispatch and decoding).
            const std::size_t kind = fuzz.below(10);
            std::unique_ptr<sdbus::IProxy> proxy;
            std::optional<sdbus::MethodCall> call;
            if (kind < 8) {
                const auto& m = fuzz.member();
                proxy = sdbus::createProxy(*connection, "io.supervisord", *m.path ? m.path : fuzz.path());
                call = proxy->createMethodCall(m.interface, m.method);
                if (kind < 7)
                    fuzz.appendTyped(*call, m.signature);
                else
                    fuzz.appendArguments(*call);
            } else {
                proxy = sdbus::createProxy(*connection, "io.supervisord", fuzz.path());
                call = proxy->createMethodCall(fuzz.interface(), fuzz.method());
                fuzz.appendArguments(*call);
            }
            try {
                proxy->callMethod(*call, 10'000'000);  // 10 s: a hang shows as a timeout error
                ++outcomes["ok"];
            } catch (const sdbus::Error& e) {
                ++outcomes[e.getName()];
                if (e.getName() == "org.freedesktop.DBus.Error.NoReply" ||
                    e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
                    e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner") {
                    std::fprintf(stderr, "call %d: %s: %s\n", i, e.getName().c_str(), e.getMessage().c_str());
                    return 2;
                }
            }
        }
        for (const auto& [what, count] : outcomes) std::fprintf(stderr, "  %6d  %s\n", count, what.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz client: %s\n", e.what());
        return 3;
    }
    return 0;
}

class BusFuzz : public DaemonTest {
  protected:
    void SetUp() override {
        startDaemon(kServices);
        for (const char* name : {"web@0", "web@1", "db"})
            ASSERT_TRUE(daemon->waitState(name, "RUNNING")) << daemon->log();
    }
    void TearDown() override {
        finishDaemon(daemon.get(), {"/bin/sleep 1002"});
        DaemonTest::TearDown();
    }
};

TEST_F(BusFuzz, RandomCallsFromAnotherUidChangeNothing) {
    const char* seedText = std::getenv("SUP_BUS_FUZZ_SEED");
    const unsigned seed =
        seedText ? static_cast<unsigned>(std::strtoul(seedText, nullptr, 10)) : std::random_device{}();
    const char* callsText = std::getenv("SUP_BUS_FUZZ_CALLS");
    const int calls = callsText ? std::atoi(callsText) : 3000;
    std::printf("bus fuzz seed %u (SUP_BUS_FUZZ_SEED=%u replays it), %d calls\n", seed, seed, calls);

    std::map<std::string, pid_t> before;
    for (const char* name : {"web@0", "web@1", "db"}) before[name] = daemon->pidOf(name);

    std::fflush(nullptr);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(fuzzAsNobody(bus.address(), seed, calls));
    int status = 0;
    ASSERT_TRUE(waitFor([&] { return ::waitpid(child, &status, WNOHANG) == child; }, 280s))
        << "the fuzz client did not finish; seed " << seed;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "; seed " << seed;

    ASSERT_TRUE(daemon->running()) << "seed " << seed << "\n" << daemon->log();
    for (const auto& [name, pid] : before) EXPECT_EQ(daemon->pidOf(name), pid) << name << "; seed " << seed;
    EXPECT_EQ(daemon->stateOf("idle"), "STOPPED") << "seed " << seed;
    auto afterwards = daemon->ctl({"status"});
    EXPECT_TRUE(afterwards.exitCode == 0 || afterwards.exitCode == 3) << afterwards.err;
    EXPECT_NE(afterwards.out.find("web@0"), std::string::npos) << afterwards.out;
}

}  // namespace
