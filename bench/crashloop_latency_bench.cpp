// ListProcesses latency at a steady 1000 calls/s while 100 children crash and restart in a loop
// (plus 900 quiet ones, so each reply describes 1000 instances).
// Usage: bench_crashloop_latency_bench [SECONDS] [RATE]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <sdbus-c++/sdbus-c++.h>

#include "bench/BenchUtil.h"

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
    TestBus bus;
    TempDir conf("supbench");
    writeFile(conf / "bench.yaml",
              "services:\n"
              "  quiet:\n    command: [sleep, infinity]\n    numprocs: 900\n    start_seconds: 0\n"
              "  crasher:\n    command: [sh, -c, 'sleep 0.2; exit 1']\n    numprocs: 100\n    start_seconds: 0\n"
              "    backoff: {initial: 50ms, max: 200ms}\n    stdout: null\n    stderr: null\n");
    Daemon daemon(bus, conf.path(), {"--log-level", "warn"});
    if (!daemon.waitReady(120s)) {
        std::fprintf(stderr, "daemon did not start:\n%s\n", daemon.log().c_str());
        return 1;
    }
    waitFor([&] { return daemon.status().size() == 1000; }, 120s);
    const unsigned restartsBefore = totalRestarts(daemon);

    auto conn = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto proxy = sdbus::createProxy(*conn, "io.supervisord", "/io/supervisord");
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(seconds * rate));
    const auto period = std::chrono::nanoseconds(1'000'000'000 / rate);
    const auto start = Clock::now();
    auto next = start;
    std::size_t errors = 0, entries = 0;
    while (Clock::now() - start < std::chrono::seconds(seconds)) {
        std::this_thread::sleep_until(next);  // open loop: a slow reply delays the next send, and is counted
        next += period;
        auto t0 = Clock::now();
        try {
            std::vector<std::map<std::string, sdbus::Variant>> list;
            proxy->callMethod("ListProcesses").onInterface("io.supervisord.Manager1").storeResultsTo(list);
            entries = list.size();
        } catch (const sdbus::Error& e) {
            ++errors;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const unsigned restarts = totalRestarts(daemon) - restartsBefore;
    std::printf("%zu calls in %.1f s = %.0f calls/s (target %d), %zu errors, %zu instances per reply\n", ms.size(),
                elapsed, static_cast<double>(ms.size()) / elapsed, rate, errors, entries);
    std::printf("%u restarts of the crashing children during the run (%.0f/s)\n", restarts, restarts / elapsed);
    print("ListProcesses latency under a crash loop", summarise(ms));
    daemon.terminate(120s);
    return 0;
}
