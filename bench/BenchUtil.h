// Small helpers shared by the benchmarks: timing a command and summarising samples.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "integration/Harness.h"

namespace sup::bench {

using Clock = std::chrono::steady_clock;

struct Summary {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;  // milliseconds
    std::size_t n = 0;
};

inline Summary summarise(std::vector<double> ms) {
    Summary s;
    s.n = ms.size();
    if (ms.empty()) return s;
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
        return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * (ms.size() - 1) + 0.5))];
    };
    s.p50 = at(0.50);
    s.p90 = at(0.90);
    s.p99 = at(0.99);
    s.max = ms.back();
    return s;
}

inline void print(const char* what, const Summary& s) {
    std::printf("%-44s n=%-5zu p50=%8.2f ms  p90=%8.2f ms  p99=%8.2f ms  max=%8.2f ms\n", what, s.n, s.p50,
                s.p90, s.p99, s.max);
}

// Wall time of `runs` executions of argv (milliseconds each); exits if one fails.
inline std::vector<double> timeCommand(const std::vector<std::string>& argv,
                                       const std::map<std::string, std::string>& env, int runs) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        auto r = test::runCommand(argv, env);
        auto t1 = Clock::now();
        if (r.exitCode != 0 && r.exitCode != 3) {
            std::fprintf(stderr, "%s failed (%d): %s\n", argv[0].c_str(), r.exitCode, r.err.c_str());
            std::exit(1);
        }
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return ms;
}

}  // namespace sup::bench
