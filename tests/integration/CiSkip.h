// Skips that CI does not accept: a test that cannot run here (not root, no pids cgroup controller)
// is skipped on a developer's machine, but with CI=true (what CI systems set) it fails instead, so
// a CI runner that lost root or cgroups turns red rather than green with fewer tests run.
#pragma once

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace sup::test {

inline bool inCi() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace sup::test

// SUP_SKIP_OR_FAIL_IN_CI("needs root ...") in place of GTEST_SKIP() << "needs root ...". Returns from
// the test function either way.
#define SUP_SKIP_OR_FAIL_IN_CI(reason)                                                                 \
    do {                                                                                               \
        if (::sup::test::inCi()) FAIL() << "skipped, which CI=true counts as a failure: " << (reason); \
        GTEST_SKIP() << (reason);                                                                      \
    } while (0)
