// When start/stop/restart have reached their goal, and when a start has failed.
#include <gtest/gtest.h>

#include "ctl/WaitTracker.h"

using namespace sup::ctl;

namespace {

TEST(CtlWait, StartIsReachedAtRunning) {
    WaitTracker t("web", WaitGoal::Running);
    t.observe("STARTING", 10);
    EXPECT_EQ(t.status(), WaitStatus::Pending);
    t.observe("RUNNING", 10);
    EXPECT_EQ(t.status(), WaitStatus::Reached);
}

TEST(CtlWait, AProgramThatRanAndExitedHadStarted) {
    WaitTracker t("once", WaitGoal::Running);
    t.observe("STARTING", 10);
    t.observe("RUNNING", 10);
    t.observe("EXITED", 0);  // later news does not undo the outcome
    EXPECT_EQ(t.status(), WaitStatus::Reached);
}

TEST(CtlWait, BackoffFatalOrExitedFailAStartWithTheirReason) {
    for (auto* state : {"BACKOFF", "FATAL", "EXITED"}) {
        WaitTracker t("web", WaitGoal::Running);
        t.observe("STARTING", 10);
        t.observe(state, 0, "exec /nope: No such file or directory");
        EXPECT_EQ(t.status(), WaitStatus::Failed) << state;
        EXPECT_EQ(t.lastState(), state);
        EXPECT_EQ(t.lastReason(), "exec /nope: No such file or directory");
    }
}

TEST(CtlWait, AStartThatIsStoppedAgainFailsButAStoppedSnapshotBeforeItWaits) {
    WaitTracker early("web", WaitGoal::Running);
    early.observe("STOPPED", 0);
    EXPECT_EQ(early.status(), WaitStatus::Pending);
    WaitTracker later("web", WaitGoal::Running);
    later.observe("STARTING", 3);
    later.observe("STOPPING", 3);
    later.observe("STOPPED", 0);
    EXPECT_EQ(later.status(), WaitStatus::Failed);
}

TEST(CtlWait, StopIsReachedAtAnyInactiveState) {
    for (auto* state : {"STOPPED", "EXITED", "FATAL"}) {
        WaitTracker t("web", WaitGoal::Inactive, 5);
        t.observe("STOPPING", 5);
        EXPECT_FALSE(t.done());
        t.observe(state, 0);
        EXPECT_EQ(t.status(), WaitStatus::Reached) << state;
    }
    WaitTracker b("web", WaitGoal::Inactive);
    b.observe("BACKOFF", 0);
    EXPECT_FALSE(b.done());
}

TEST(CtlWait, RestartIgnoresTheOldProcessGoingAway) {
    WaitTracker t("web", WaitGoal::Restarted, 100);
    t.observe("RUNNING", 100);  // the old process, before the request took effect
    t.observe("STOPPING", 100);
    t.observe("STOPPED", 0);
    t.observe("EXITED", 0);
    EXPECT_EQ(t.status(), WaitStatus::Pending);
    t.observe("STARTING", 101);
    t.observe("RUNNING", 101);
    EXPECT_EQ(t.status(), WaitStatus::Reached);
}

TEST(CtlWait, RestartIsReachedByANewPidEvenWithoutSeeingStarting) {
    WaitTracker t("web", WaitGoal::Restarted, 100);
    t.observe("RUNNING", 100);
    EXPECT_FALSE(t.done());
    t.observe("RUNNING", 200);
    EXPECT_EQ(t.status(), WaitStatus::Reached);
}

TEST(CtlWait, RestartFailsOnlyAfterTheNewStart) {
    WaitTracker t("web", WaitGoal::Restarted, 100);
    t.observe("STOPPING", 100);
    t.observe("STARTING", 0);
    t.observe("BACKOFF", 0, "exited too quickly");
    EXPECT_EQ(t.status(), WaitStatus::Failed);
    EXPECT_EQ(t.goalText(), "RUNNING");
}

TEST(CtlWait, RestartOfAStoppedProcessIsReachedAtRunning) {
    WaitTracker t("web", WaitGoal::Restarted, 0);
    t.observe("RUNNING", 7);
    EXPECT_EQ(t.status(), WaitStatus::Reached);
}

}  // namespace
