// The fixture most integration tests share: a private bus, a config directory, and the daemon started
// on one YAML file.
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/Harness.h"

namespace sup::test {

// A test's end: stop the daemon (SIGKILL if it does not stop within 10 s: the test has failed
// already), expect no sanitizer report or critical line in its log, and kill whatever runs `markers`
// (command lines as cmdlineOf() shows them) so a failing test leaves nothing behind. Here, not in the
// harness library: it makes gtest expectations, and bench/ links the library without gtest.
inline void finishDaemon(Daemon* daemon, const std::vector<std::string>& markers) {
    if (daemon && daemon->running() && daemon->terminate(std::chrono::seconds(10)) < 0) {
        ::kill(daemon->pid(), SIGKILL);
        daemon->waitExit(std::chrono::seconds(10));
    }
    if (daemon) {
        EXPECT_EQ(firstTroubleLine(daemon->log()), "") << daemon->log();
    }
    for (int round = 0; round < 3; ++round)
        for (auto& m : markers) killAll(processesWithCmdline(m));
}

class DaemonTest : public ::testing::Test {
  protected:
    TestBus bus;
    TempDir conf{"supconf"};
    std::unique_ptr<Daemon> daemon;

    void startDaemon(const std::string& yaml) {
        writeFile(conf / "services.yaml", yaml);
        daemon = std::make_unique<Daemon>(bus, conf.path());
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
    }
    // The daemon (and its children) stop before any directory a derived fixture adds is removed.
    void TearDown() override { daemon.reset(); }
};

}  // namespace sup::test
