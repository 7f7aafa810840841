// Where `supervisord --user` keeps its files: the XDG base directories, with their fallbacks.
#include <gtest/gtest.h>

#include "ServiceSpec.h"
#include "sd/UserDirectories.h"

namespace {

using sup::sd::userDirectories;

TEST(SdUserDirectories, XdgVariablesWin) {
    const auto dirs = userDirectories("/home/ann", "/cfg", "/state", "/run/user/1000");
    EXPECT_EQ(dirs.config, "/cfg/supervisord");
    EXPECT_EQ(dirs.logs, "/state/supervisord");
    EXPECT_EQ(dirs.runtime, "/run/user/1000/supervisord");
}

TEST(SdUserDirectories, UnsetEmptyOrRelativeFallBackUnderHome) {
    auto dirs = userDirectories("/home/ann", nullptr, nullptr, nullptr);
    EXPECT_EQ(dirs.config, "/home/ann/.config/supervisord");
    EXPECT_EQ(dirs.logs, "/home/ann/.local/state/supervisord");
    EXPECT_EQ(dirs.runtime, "/home/ann/.local/state/supervisord");  // no runtime dir: a plain login
    dirs = userDirectories("/home/ann", "", "relative/state", "run");
    EXPECT_EQ(dirs.config, "/home/ann/.config/supervisord");
    EXPECT_EQ(dirs.logs, "/home/ann/.local/state/supervisord");
    EXPECT_EQ(dirs.runtime, "/home/ann/.local/state/supervisord");
}

TEST(SdUserDirectories, OnlyTheSystemDefaultsAreReplaced) {
    const auto dirs = userDirectories("/home/ann", nullptr, nullptr, "/run/user/1000");
    sup::DaemonSettings defaults;
    sup::sd::applyUserDefaults(defaults, dirs);
    EXPECT_EQ(defaults.stateDir, "/run/user/1000/supervisord");
    EXPECT_EQ(defaults.logDir, "/home/ann/.local/state/supervisord");

    sup::DaemonSettings chosen;
    chosen.stateDir = "/srv/state";
    chosen.logDir = "/srv/logs";
    sup::sd::applyUserDefaults(chosen, dirs);
    EXPECT_EQ(chosen.stateDir, "/srv/state");
    EXPECT_EQ(chosen.logDir, "/srv/logs");
}

}  // namespace
