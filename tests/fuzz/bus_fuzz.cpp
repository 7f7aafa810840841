// The D-Bus method dispatch with arbitrary argument values: the real BusService on a private
// dbus-daemon over the fake Control of the unit tests, called through a plain proxy. The first byte
// picks the method (and the process object), the rest (NUL-separated) are its string arguments: `s`
// arguments take the first parts, a list the remaining ones, and `u` arguments come from the length.
// Error replies are expected; a crash or a hang is a bug.
// Follow is left out: each call would keep a pipe to a follower open for the rest of the run.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "FuzzInput.h"
#include "bus/BusService.h"
#include "os/EventLoop.h"
#include "os/UniqueFd.h"
#include "unit/bus_fake_control.h"
#include "unit/bus_test_helpers.h"

namespace {

using namespace sup;
using namespace std::chrono_literals;

struct Method {
    const char* interface;
    const char* name;
    const char* arguments;  // "L" a list of strings, "s" a string, "u" a uint32
};

constexpr Method kMethods[] = {
    {"io.supervisord.Manager1", "ListProcesses", ""},
    {"io.supervisord.Manager1", "ListProcessRows", ""},
    {"io.supervisord.Manager1", "GetProcess", "s"},
    {"io.supervisord.Manager1", "Match", "L"},
    {"io.supervisord.Manager1", "Start", "L"},
    {"io.supervisord.Manager1", "Stop", "L"},
    {"io.supervisord.Manager1", "Restart", "L"},
    {"io.supervisord.Manager1", "Signal", "Ls"},
    {"io.supervisord.Manager1", "Reload", ""},
    {"io.supervisord.Manager1", "Tail", "ssu"},
    {"io.supervisord.Manager1", "GetLimits", ""},
    {"io.supervisord.Manager1", "Doctor", "L"},
    {"io.supervisord.Manager1", "Shutdown", ""},
    {"io.supervisord.Process1", "Start", ""},
    {"io.supervisord.Process1", "Stop", ""},
    {"io.supervisord.Process1", "Restart", ""},
    {"io.supervisord.Process1", "Signal", "s"},
    // The signals flow only while the client is subscribed: both ways are fuzzed.
    {"io.supervisord.Manager1", "Subscribe", ""},
    {"io.supervisord.Manager1", "Unsubscribe", ""},
};
constexpr std::size_t kMethodCount = sizeof kMethods / sizeof kMethods[0];
constexpr const char* kObjects[] = {"/io/supervisord", "/io/supervisord/process/web_400",
                                    "/io/supervisord/process/db"};

// The daemon's side and a client, set up once for the whole run.
struct Daemon {
    bus::test::PrivateBus privateBus;
    os::EventLoop loop;
    bus::test::FakeControl control;
    std::unique_ptr<bus::BusService> service;
    std::unique_ptr<sdbus::IConnection> client = nullptr;
    std::vector<std::unique_ptr<sdbus::IProxy>> proxies;
    // The caller's thread writes here when its reply arrived, so the loop below wakes at once instead
    // of at its poll timeout (which capped the run at ~150 inputs/s).
    os::UniqueFd replied{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};

    Daemon() {
        if (!replied) sup::fuzz::fail();
        loop.add(replied.get(), EPOLLIN, [this](std::uint32_t) {
            std::uint64_t count = 0;
            (void)!::read(replied.get(), &count, sizeof count);
        });
        control.add("web@0", "web", ProcessState::Running, 4242);
        control.add("web@1", "web", ProcessState::Stopped);
        control.add("db", "db", ProcessState::Fatal);
        bus::BusOptions options;
        options.configPath = "/etc/supervisord";
        service = std::make_unique<bus::BusService>(loop, control, options);
        client = sdbus::createSystemBusConnection();
        for (const char* path : kObjects)
            proxies.push_back(sdbus::createProxy(*client, "io.supervisord", path));
    }
};

// The call on a thread of its own while this one serves the daemon's loop. `answered` is set before
// the eventfd is written, so the loop never waits out its poll timeout for a reply already in.
void callServing(Daemon& daemon, sdbus::IProxy& proxy, sdbus::MethodCall& call) {
    std::atomic<bool> answered = false;
    auto reply = std::async(std::launch::async, [&] {
        try {
            proxy.callMethod(call, 10'000'000);  // µs; a hang is reported below, not waited out
        } catch (const sdbus::Error&) {
            // an error reply (InvalidArgument, UnknownProcess, ...) is an answer
        }
        answered = true;
        const std::uint64_t one = 1;
        (void)!::write(daemon.replied.get(), &one, sizeof one);
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!answered) {
        if (std::chrono::steady_clock::now() > deadline) sup::fuzz::fail();
        daemon.loop.runOnce(100);
    }
    reply.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Daemon daemon;
    if (size == 0) return 0;
    const Method& method = kMethods[data[0] % kMethodCount];
    const bool process = std::string_view(method.interface) == "io.supervisord.Process1";
    sdbus::IProxy& proxy = *daemon.proxies[process ? 1 + data[0] / kMethodCount % 2 : 0];
    const auto parts = sup::fuzz::splitParts(sup::fuzz::asText(data + 1, size - 1), 16);

    // The string arguments take the first parts in order; a list takes all the parts after them.
    std::size_t scalars = 0;
    for (const char* a = method.arguments; *a; ++a) scalars += *a == 's';
    std::size_t next = 0;
    sdbus::MethodCall call;
    try {
        call = proxy.createMethodCall(method.interface, method.name);
        for (const char* a = method.arguments; *a; ++a) {
            if (*a == 'L')
                call << std::vector<std::string>(parts.begin() + std::min(scalars, parts.size()),
                                                 parts.end());
            else if (*a == 's')
                call << (next < parts.size() ? parts[next++] : std::string());
            else
                call << static_cast<std::uint32_t>(size * 977);
        }
    } catch (const sdbus::Error&) {
        return 0;  // not valid UTF-8: the client library refuses to send it
    }
    callServing(daemon, proxy, call);
    daemon.control.calls.clear();
    return 0;
}
