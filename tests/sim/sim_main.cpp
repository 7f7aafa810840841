// supsim: runs the deterministic simulation over many seeds (./dev sim). A failing seed is shrunk
// and printed as a minimal list of operations.
//   supsim [--seeds N] [--from S] [--steps K] [--seed X]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "sim/Simulation.h"

int main(int argc, char** argv) {
    std::uint64_t seeds = 100, from = 1, steps = 300;
    std::optional<std::uint64_t> single;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        std::uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
        if (a == "--seeds")
            seeds = v;
        else if (a == "--from")
            from = v;
        else if (a == "--steps")
            steps = v;
        else if (a == "--seed")
            single = v;
        else {
            std::fprintf(stderr, "usage: supsim [--seeds N] [--from S] [--steps K] [--seed X]\n");
            return 2;
        }
    }
    // SUPSIM_LOG=debug shows the supervisor's own log of the minimal reproduction (not of the
    // shrinking runs before it).
    const char* level = std::getenv("SUPSIM_LOG");
    spdlog::set_level(spdlog::level::off);
    if (single) from = *single, seeds = 1;
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t passed = 0;
    for (std::uint64_t seed = from; seed < from + seeds; ++seed) {
        auto sc = sup::sim::generate(seed, steps);
        auto v = sup::sim::run(sc);
        if (!v) {
            ++passed;
            if (seeds >= 10000 && (seed - from + 1) % 10000 == 0)
                std::fprintf(stderr, "%llu sequences...\n", static_cast<unsigned long long>(seed - from + 1));
            continue;
        }
        std::printf("seed %llu fails after step %zu: %s\nshrinking...\n",
                    static_cast<unsigned long long>(seed), v->step, v->what.c_str());
        auto small = sup::sim::shrink(sc);
        if (level) spdlog::set_level(spdlog::level::from_str(level));
        auto sv = sup::sim::run(small);
        std::printf("minimal reproduction (%zu operations), failing with: %s\n%s", small.ops.size(),
                    sv ? sv->what.c_str() : "(no longer fails?)", sup::sim::describe(small).c_str());
        std::printf("%llu passed, 1 failed\n", static_cast<unsigned long long>(passed));
        return 1;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("simulation: %llu sequences of %llu steps in %.1fs\n",
                static_cast<unsigned long long>(passed), static_cast<unsigned long long>(steps), secs);
    std::printf("%llu passed, 0 failed\n", static_cast<unsigned long long>(passed));
    return 0;
}
