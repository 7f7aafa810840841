// What supctl says about D-Bus errors, and the exit code that goes with it.
#include <gtest/gtest.h>

#include "ctl/ErrorReport.h"
#include "ctl/ExitCode.h"

using namespace sup::ctl;

namespace {

const BusTarget kSystem{BusKind::System, ""};
const BusTarget kSession{BusKind::Session, ""};
const BusTarget kRemote{BusKind::Remote, "root@box"};

TEST(CtlErrors, AnUnopenableBusIsUnreachableWithAHint) {
    auto f = connectFailure("org.freedesktop.DBus.Error.FileNotFound",
                            "Failed to open bus (No such file or directory)", kSystem);
    EXPECT_EQ(f.exitCode, kExitFailure);
    EXPECT_EQ(f.message,
              "cannot reach supervisord on the system bus: Failed to open bus (No such file or directory) "
              "(is it running? try --user)");
    EXPECT_NE(connectFailure("x", "y", kSession).message.find("the session bus"), std::string::npos);
    EXPECT_NE(connectFailure("x", "y", kSession).message.find("try without --user"), std::string::npos);
    EXPECT_NE(connectFailure("x", "y", kRemote).message.find("the system bus of root@box"),
              std::string::npos);
}

TEST(CtlErrors, ADaemonMissingFromTheBusIsUnreachable) {
    auto f = callFailure("org.freedesktop.DBus.Error.ServiceUnknown",
                         "The name io.supervisord was not provided by any .service files", kSystem);
    EXPECT_EQ(f.exitCode, kExitFailure);
    EXPECT_EQ(f.message.rfind("cannot reach supervisord on the system bus: ", 0), 0u) << f.message;
    EXPECT_NE(f.message.find("try --user"), std::string::npos);
    EXPECT_EQ(callFailure("org.freedesktop.DBus.Error.Disconnected", "gone", kSystem).exitCode, kExitFailure);
}

TEST(CtlErrors, StatusQueriesOfAnUnreachableDaemonExitFourAsLsbStatusUnknown) {
    const Failure unopenable = connectFailure("org.freedesktop.DBus.Error.FileNotFound", "no bus", kSystem);
    const Failure offTheBus = callFailure("org.freedesktop.DBus.Error.ServiceUnknown", "not here", kSystem);
    const Failure dropped = callFailure("org.freedesktop.DBus.Error.Disconnected", "gone", kSystem);
    for (const Failure* f : {&unopenable, &offTheBus, &dropped}) {
        EXPECT_TRUE(f->unreachable) << f->message;
        for (auto* command : {"status", "is-active", "is-failed"})
            EXPECT_EQ(exitCodeFor(command, *f), kExitStatusUnknown) << command << ": " << f->message;
        for (auto* command : {"stop", "start", "show", "pid", "reload", "doctor"})
            EXPECT_EQ(exitCodeFor(command, *f), kExitFailure) << command << ": " << f->message;
    }
    // A daemon that answers keeps its own exit codes, status included.
    const Failure denied = callFailure(bus_errors::kAccessDenied, "no", kSystem);
    EXPECT_FALSE(denied.unreachable);
    EXPECT_EQ(exitCodeFor("status", denied), kExitFailure);
    EXPECT_EQ(exitCodeFor("status", callFailure(bus_errors::kInvalidArgument, "bad", kSystem)), kExitUsage);
}

TEST(CtlErrors, NoSuchProcessExitsWithFour) {
    auto f = callFailure(bus_errors::kNoSuchProcess, "no process matches 'nope'", kSystem);
    EXPECT_EQ(f.exitCode, kExitNoSuchProcess);
    EXPECT_EQ(f.message, "no process matches 'nope'");
}

TEST(CtlErrors, AccessDeniedSuggestsRootOrAControlGroup) {
    auto f = callFailure(bus_errors::kAccessDenied, "uid 65534 may not stop processes", kSystem);
    EXPECT_EQ(f.exitCode, kExitFailure);
    EXPECT_NE(f.message.find("uid 65534 may not stop processes"), std::string::npos);
    EXPECT_NE(f.message.find("sudo"), std::string::npos);
    EXPECT_NE(f.message.find("control_groups"), std::string::npos);
}

TEST(CtlErrors, OtherErrorsKeepTheDaemonsWords) {
    EXPECT_EQ(callFailure(bus_errors::kInvalidArgument, "unknown signal FOO", kSystem).exitCode, kExitUsage);
    auto cfg = callFailure(bus_errors::kInvalidConfig, "a.yaml:5:14: restart: bad", kSystem);
    EXPECT_EQ(cfg.exitCode, kExitFailure);
    EXPECT_NE(cfg.message.find("a.yaml:5:14"), std::string::npos);
    EXPECT_EQ(callFailure(bus_errors::kFailed, "boom", kSystem).message, "boom");
    EXPECT_EQ(callFailure("org.example.Odd", "", kSystem).message, "org.example.Odd");
    EXPECT_NE(
        callFailure(bus_errors::kNoReply, "Method call timed out", kSystem).message.find("did not answer"),
        std::string::npos);
}

}  // namespace
