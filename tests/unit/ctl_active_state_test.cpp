// `supctl is-active` / `is-failed`: supervisord's states in systemd's words, and systemctl's exit codes.
#include <gtest/gtest.h>

#include "ctl/ActiveState.h"
#include "ctl/CommandLine.h"
#include "ctl/ExitCode.h"

using namespace sup::ctl;

namespace {

TEST(CtlActiveState, EveryStateHasASystemdWord) {
    EXPECT_EQ(activeStateOf("RUNNING"), "active");
    EXPECT_EQ(activeStateOf("STARTING"), "active");
    EXPECT_EQ(activeStateOf("BACKOFF"), "activating");
    EXPECT_EQ(activeStateOf("STOPPING"), "deactivating");
    EXPECT_EQ(activeStateOf("STOPPED"), "inactive");
    EXPECT_EQ(activeStateOf("EXITED"), "inactive");
    EXPECT_EQ(activeStateOf("FATAL"), "failed");
}

TEST(CtlActiveState, IsActiveNeedsEveryInstanceActive) {
    EXPECT_EQ(isActiveExitCode({{"RUNNING"}, false}), kExitOk);
    EXPECT_EQ(isActiveExitCode({{"RUNNING", "STARTING"}, false}), kExitOk);
    EXPECT_EQ(isActiveExitCode({{"RUNNING", "STOPPED"}, false}), kExitNotRunning);
    EXPECT_EQ(isActiveExitCode({{"BACKOFF"}, false}), kExitNotRunning);
    EXPECT_EQ(isActiveExitCode({{"FATAL"}, false}), kExitNotRunning);
    EXPECT_EQ(isActiveExitCode({{"RUNNING"}, true}), kExitNoSuchProcess) << "a pattern matched nothing";
    EXPECT_EQ(isActiveExitCode({{}, true}), kExitNoSuchProcess);
    EXPECT_EQ(isActiveExitCode({{}, false}), kExitNotRunning);
}

TEST(CtlActiveState, IsFailedNeedsAnyInstanceFailed) {
    EXPECT_EQ(isFailedExitCode({{"RUNNING", "FATAL"}, false}), kExitOk);
    EXPECT_EQ(isFailedExitCode({{"FATAL"}, true}), kExitOk);
    EXPECT_EQ(isFailedExitCode({{"RUNNING", "EXITED", "BACKOFF"}, false}), kExitFailure);
    EXPECT_EQ(isFailedExitCode({{"RUNNING"}, true}), kExitNoSuchProcess);
}

TEST(CtlActiveState, CommandLineTakesPatternsAndQuiet) {
    auto inv = parseCommandLine({"is-active", "-q", "web", "db@*"});
    EXPECT_EQ(inv.command, "is-active");
    EXPECT_TRUE(inv.quiet);
    EXPECT_EQ(inv.args, (std::vector<std::string>{"web", "db@*"}));
    EXPECT_TRUE(parseCommandLine({"is-failed", "--quiet", "web"}).quiet);
    EXPECT_FALSE(parseCommandLine({"is-failed", "web"}).quiet);
    EXPECT_THROW(parseCommandLine({"is-active"}), UsageError);
    EXPECT_THROW(parseCommandLine({"is-failed"}), UsageError);
    EXPECT_THROW(parseCommandLine({"status", "-q"}), UsageError) << "--quiet is for is-active/is-failed";
}

}  // namespace
