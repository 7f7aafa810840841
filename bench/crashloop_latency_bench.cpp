// ListProcesses latency at a steady call rate while 100 children crash and restart in a loop.
// QUIET more instances that just sleep make each reply bigger (QUIET=900: every reply describes
// 1000 instances). CALLERS client threads, each on its own bus connection, share the rate in an
// open loop (a slow reply delays that caller's next send and is counted); replies are decoded in
// place like supctl does (ctl/ProcessReader), so the client is not the bottleneck.
// Usage: bench_crashloop_latency_bench [SECONDS] [RATE] [QUIET] [CALLERS]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <sdbus-c++/sdbus-c++.h>

#include "bench/BenchUtil.h"
#include "ctl/ProcessReader.h"

using namespace sup::test;
using namespace sup::bench;

namespace {

unsigned totalRestarts(const Daemon& d) {
    unsigned n = 0;
    for (auto& p : d.status()) n += p.value("restarts", 0u);
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    const int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
    const int rate = argc > 2 ? std::atoi(argv[2]) : 1000;
    const int quiet = argc > 3 ? std::atoi(argv[3]) : 0;
    const int callers = argc > 4 ? std::max(1, std::atoi(argv[4])) : 4;
    TestBus bus;
    TempDir conf("supbench");
    std::string yaml =
        "services:\n"
        "  crasher:\n    command: [sh, -c, 'sleep 0.2; exit 1']\n    numprocs: 100\n    start_seconds: 0\n"
        "    backoff: {initial: 50ms, max: 200ms}\n    stdout: null\n    stderr: null\n";
    if (quiet > 0)
        yaml += "  quiet:\n    command: [sleep, infinity]\n    numprocs: " + std::to_string(quiet) +
                "\n    start_seconds: 0\n    stdout: null\n    stderr: null\n";
    writeFile(conf / "bench.yaml", yaml);
    Daemon daemon(bus, conf.path(), {"--log-level", "warn"});
    if (!daemon.waitReady(120s)) {
        std::fprintf(stderr, "daemon did not start:\n%s\n", daemon.log().c_str());
        return 1;
    }
    const std::size_t instances = static_cast<std::size_t>(100 + quiet);
    waitFor([&] { return daemon.status().size() == instances; }, 120s);
    const unsigned restartsBefore = totalRestarts(daemon);

    std::mutex mu;
    std::vector<double> ms;
    std::atomic<std::size_t> errors{0}, entries{0};
    const auto period = std::chrono::nanoseconds(1'000'000'000LL * callers / rate);
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < callers; ++t) {
        threads.emplace_back([&, t] {
            auto conn = sdbus::createSessionBusConnectionWithAddress(bus.address());
            auto proxy = sdbus::createProxy(*conn, "io.supervisord", "/io/supervisord");
            std::vector<double> mine;
            auto next = start + period * t / callers;  // callers interleave evenly
            while (Clock::now() - start < std::chrono::seconds(seconds)) {
                std::this_thread::sleep_until(next);
                next += period;
                auto t0 = Clock::now();
                try {
                    auto call = proxy->createMethodCall("io.supervisord.Manager1", "ListProcesses");
                    auto reply = proxy->callMethod(call);
                    entries = sup::ctl::readProcessList(reply).size();
                } catch (const sdbus::Error&) {
                    ++errors;
                }
                mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
            std::lock_guard lock(mu);
            ms.insert(ms.end(), mine.begin(), mine.end());
        });
    }
    for (auto& th : threads) th.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const unsigned restarts = totalRestarts(daemon) - restartsBefore;
    std::printf(
        "%zu calls in %.1f s = %.0f calls/s (target %d, %d callers), %zu errors, %zu instances per reply\n",
        ms.size(), elapsed, static_cast<double>(ms.size()) / elapsed, rate, callers, errors.load(),
        entries.load());
    std::printf("%u restarts of the crashing children during the run (%.0f/s)\n", restarts,
                restarts / elapsed);
    print("ListProcesses latency under a crash loop", summarise(ms));
    daemon.terminate(120s);
    return 0;
}
