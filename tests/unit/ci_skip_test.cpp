// SUP_SKIP_OR_FAIL_IN_CI: a skip outside CI, a failure with CI=true.
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "integration/CiSkip.h"

namespace {

class CiVariable {
  public:
    explicit CiVariable(const char* value) {
        if (const char* old = std::getenv("CI")) saved_ = old;
        if (value)
            ::setenv("CI", value, 1);
        else
            ::unsetenv("CI");
    }
    ~CiVariable() {
        if (saved_)
            ::setenv("CI", saved_->c_str(), 1);
        else
            ::unsetenv("CI");
    }

  private:
    std::optional<std::string> saved_;
};

void skipBecauseNotRoot() {
    SUP_SKIP_OR_FAIL_IN_CI("needs root");
}

TEST(CiSkip, InCiOnlyWhenCiIsTrue) {
    {
        CiVariable ci("true");
        EXPECT_TRUE(sup::test::inCi());
    }
    for (const char* value : {"", "false", "1", "TRUE"}) {
        CiVariable ci(value);
        EXPECT_FALSE(sup::test::inCi()) << value;
    }
    CiVariable ci(nullptr);
    EXPECT_FALSE(sup::test::inCi());
}

TEST(CiSkip, WithCiTrueASkipIsAFailure) {
    CiVariable ci("true");
    EXPECT_FATAL_FAILURE(skipBecauseNotRoot(), "skipped, which CI=true counts as a failure: needs root");
}

}  // namespace
