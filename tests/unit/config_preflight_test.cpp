// preflight(): what `supervisord --check` warns about on this machine (binaries, directories,
// log_dir), each with the service's file:line:column.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ConfigLoader.h"
#include "Preflight.h"

namespace sup::config {
namespace {

namespace fs = std::filesystem;

class Preflight : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/suppreflight-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
        dir = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string file(const std::string& name, const std::string& text, fs::perms perms) {
        const std::string path = dir + "/" + name;
        std::ofstream(path) << text;
        fs::permissions(path, perms);
        return path;
    }
    // The issues of a configuration whose log_dir is an existing, writable directory.
    std::vector<ConfigIssue> issues(const std::string& services) {
        const std::string yaml = "supervisor:\n  log_dir: " + dir + "\nservices:\n" + services;
        return preflight(loadString(yaml, dir + "/s.yaml"));
    }
    std::string dir;
};

TEST_F(Preflight, AnExistingSetupHasNoIssues) {
    const std::string tool = file("tool", "#!/bin/sh\n", fs::perms::owner_all);
    EXPECT_TRUE(issues("  a:\n    command: [\"" + tool + "\"]\n    directory: " + dir +
                       "\n  b:\n    command: [\"sh\", \"-c\", \"true\"]\n")
                    .empty());
}

TEST_F(Preflight, MissingBinaryIsNamedWithTheServiceLocation) {
    const auto found = issues("  web:\n    command: [\"" + dir + "/nope\", \"x\"]\n");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].key, "services.web.command");
    EXPECT_EQ(found[0].where.file, dir + "/s.yaml");
    EXPECT_EQ(found[0].where.line, 4);
    EXPECT_EQ(found[0].where.column, 3);
    EXPECT_NE(found[0].message.find(dir + "/nope"), std::string::npos) << found[0].message;
    EXPECT_EQ(formatIssue(found[0]).rfind(dir + "/s.yaml:4:3: services.web.command: ", 0), 0u)
        << formatIssue(found[0]);
}

TEST_F(Preflight, NotExecutableAndNotInPath) {
    const std::string data = file("data", "x", fs::perms::owner_read | fs::perms::owner_write);
    auto found = issues("  a:\n    command: [\"" + data + "\"]\n");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].message.find("not executable"), std::string::npos) << found[0].message;

    found =
        issues("  b:\n    command: [\"no-such-program-here\"]\n    environment: {PATH: \"" + dir + "\"}\n");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].key, "services.b.command");
    EXPECT_NE(found[0].message.find("'no-such-program-here' is not an executable file in PATH"),
              std::string::npos)
        << found[0].message;

    // Found through the service's own PATH.
    file("mine", "#!/bin/sh\n", fs::perms::owner_all);
    EXPECT_TRUE(
        issues("  c:\n    command: [\"mine\"]\n    environment: {PATH: \"/nonexistent:" + dir + "\"}\n")
            .empty());
}

TEST_F(Preflight, RelativeCommandIsTakenFromTheDirectory) {
    file("run.sh", "#!/bin/sh\n", fs::perms::owner_all);
    EXPECT_TRUE(issues("  a:\n    command: [\"./run.sh\"]\n    directory: " + dir + "\n").empty());
    EXPECT_EQ(issues("  a:\n    command: [\"./gone.sh\"]\n    directory: " + dir + "\n").size(), 1u);
}

TEST_F(Preflight, MissingDirectory) {
    const auto found = issues("  a:\n    command: [\"sh\"]\n    directory: " + dir + "/gone\n");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].key, "services.a.directory");
    EXPECT_EQ(found[0].where.line, 4);
}

TEST_F(Preflight, LogDir) {
    auto logIssues = [&](const std::string& logDir) {
        return preflight(loadString("supervisor:\n  log_dir: " + logDir + "\n", dir + "/s.yaml"));
    };
    EXPECT_TRUE(logIssues(dir).empty());

    auto found = logIssues(dir + "/logs/deeper");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].key, "supervisor.log_dir");
    EXPECT_EQ(found[0].where.line, 1);
    EXPECT_NE(found[0].message.find("does not exist (the daemon creates it"), std::string::npos)
        << found[0].message;

    const std::string notDir = file("plain", "x", fs::perms::owner_read | fs::perms::owner_write);
    found = logIssues(notDir);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].message.find("not a directory"), std::string::npos) << found[0].message;

    // Below a plain file nothing can be created.
    found = logIssues(notDir + "/logs");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].message.find("cannot be created"), std::string::npos) << found[0].message;
}

}  // namespace
}  // namespace sup::config
