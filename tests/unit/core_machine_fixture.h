// What the ProcessMachine tests share: a spec with known timings and a fixture with a ManualClock
// that brings a machine to RUNNING or FATAL. No fork, no real time.
#pragma once

#include <gtest/gtest.h>

#include <csignal>

#include "core/ProcessMachine.h"

namespace sup::test {

using namespace std::chrono_literals;
using Kind = MachineCommand::Kind;

inline ServiceSpec spec(RestartMode restart = RestartMode::Always) {
    ServiceSpec s;
    s.name = "web";
    s.command = {"/bin/true"};
    s.restart = restart;
    s.startSeconds = 1s;
    s.startRetries = 3;
    s.backoff = {1000ms, 8000ms, 60000ms};
    s.stopTimeout = 10s;
    return s;
}

struct MachineFixture : ::testing::Test {
    ManualClock clock;
    TimePoint now() { return clock.now(); }
    // Brings a machine to RUNNING: start, spawned, start_seconds elapse.
    void run(ProcessMachine& m) {
        ASSERT_EQ(m.start(now()).kind, Kind::Spawn);
        m.spawned(now());
        ASSERT_EQ(m.state(), ProcessState::Starting);
        clock.advance(1s);
        m.deadlineReached(now());
        ASSERT_EQ(m.state(), ProcessState::Running);
    }
    // Brings a machine to FATAL: start_retries 0 and one exit before start_seconds.
    void fail(ProcessMachine& m) {
        ASSERT_EQ(m.start(now()).kind, Kind::Spawn);
        m.spawned(now());
        m.exited(ExitStatus::exited(1), 0, now());
        ASSERT_EQ(m.state(), ProcessState::Fatal);
    }
};

}  // namespace sup::test
