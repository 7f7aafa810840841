// supervisor.read_groups: who may read output besides root and control_groups. Unlike control_groups,
// groups missing from the machine are accepted (and grant nothing).
#include <gtest/gtest.h>

#include "ConfigError.h"
#include "ConfigLoader.h"

namespace sup::config {
namespace {

using Names = std::vector<std::string>;

TEST(ConfigReadGroups, DefaultsToDebiansLogReaders) {
    Config c = loadString("services: {}\n", "s.yaml");
    EXPECT_EQ(c.supervisor.readGroups, (Names{"adm", "systemd-journal"}));
}

TEST(ConfigReadGroups, ReplacesTheDefaultAndIgnoresMissingGroups) {
    Config c = loadString("supervisor:\n  read_groups: [root, no-such-group-xyz]\nservices: {}\n", "s.yaml");
    EXPECT_EQ(c.supervisor.readGroups, (Names{"root", "no-such-group-xyz"}));
    Config empty = loadString("supervisor:\n  read_groups: []\nservices: {}\n", "s.yaml");
    EXPECT_TRUE(empty.supervisor.readGroups.empty());
}

TEST(ConfigReadGroups, MustBeAListOfNames) {
    EXPECT_THROW(loadString("supervisor:\n  read_groups: adm\nservices: {}\n", "s.yaml"), ConfigError);
    EXPECT_THROW(loadString("supervisor:\n  read_groups: ['']\nservices: {}\n", "s.yaml"), ConfigError);
}

}  // namespace
}  // namespace sup::config
