// The fixture most integration tests share: a private bus, a config directory, and the daemon started
// on one YAML file.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "integration/Harness.h"

namespace sup::test {

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
