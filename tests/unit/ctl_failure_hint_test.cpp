// After "NAME failed to start", supctl points where the explanation is, by how it failed.
#include <gtest/gtest.h>

#include "ctl/FailureHint.h"

using namespace sup::ctl;

namespace {

ProcessRecord failed(std::string spawnError, std::string lastExit) {
    ProcessRecord p;
    p.name = "ghost";
    p.state = "FATAL";
    p.spawnError = std::move(spawnError);
    p.lastExit = std::move(lastExit);
    return p;
}

TEST(CtlFailureHint, AProgramThatNeverRanIsNotSentToItsEmptyOutput) {
    auto p = failed("exec /nonexistent/binary: No such file or directory", "exec: No such file or directory");
    EXPECT_EQ(classifyFailure(p), FailureKind::NeverRan);
    const std::string notes = failureNotes(p, "gave up after 1 failed start in a row");
    EXPECT_EQ(notes.find("tail"), std::string::npos) << notes;
    EXPECT_NE(notes.find("spawn error: exec /nonexistent/binary: No such file or directory"),
              std::string::npos)
        << notes;
    EXPECT_NE(notes.find("supctl status ghost"), std::string::npos) << notes;
    EXPECT_NE(notes.find("supctl cat ghost"), std::string::npos) << notes;
}

TEST(CtlFailureHint, AProgramThatExitedIsSentToItsStderr) {
    auto p = failed("", "exit 1");
    EXPECT_EQ(classifyFailure(p), FailureKind::ProgramExit);
    const std::string notes = failureNotes(p, "exited too quickly");
    EXPECT_NE(notes.find("last exit: exit 1"), std::string::npos) << notes;
    EXPECT_NE(notes.find("supctl tail --stderr ghost"), std::string::npos) << notes;
    // A stale spawn error from an earlier try does not hide the program's own exit.
    p.spawnError = "exec /old: Permission denied";
    EXPECT_EQ(classifyFailure(p), FailureKind::ProgramExit);
}

TEST(CtlFailureHint, ARefusedForkIsSentToTheLimits) {
    auto p = failed("fork: Resource temporarily unavailable (EAGAIN)", "");
    p.state = "BACKOFF";
    EXPECT_EQ(classifyFailure(p), FailureKind::ForkRefused);
    EXPECT_NE(failureNotes(p, "").find("supctl limits"), std::string::npos);
}

TEST(CtlFailureHint, NothingKnownPointsAtStatus) {
    auto p = failed("", "");
    EXPECT_EQ(classifyFailure(p), FailureKind::Unknown);
    EXPECT_EQ(failureNotes(p, ""), "  see: supctl status ghost\n");
}

TEST(CtlFailureHint, TheSpawnErrorIsNotRepeatedWhenTheReasonSaysIt) {
    auto p = failed("exec /x: No such file or directory", "exec: No such file or directory");
    EXPECT_EQ(failureNotes(p, "spawn failed: exec /x: No such file or directory").find("spawn error"),
              std::string::npos);
}

}  // namespace
