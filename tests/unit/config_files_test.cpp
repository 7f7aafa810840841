// load() on real files: directories, ordering, rules across files, environment files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ConfigLoader.h"

namespace sup::config {
namespace {

namespace fs = std::filesystem;
using Argv = std::vector<std::string>;

// A fresh directory under $TMPDIR, removed with everything in it at the end of the test.
class ConfigFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/supconfig-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
        dir = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::string write(const std::string& name, const std::string& text) {
        fs::path p = dir / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }

    std::string errorOf(const std::string& path) {
        try {
            load(path);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir;
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(ConfigFiles, ADirectoryIsReadInNameOrderYamlAndYmlOnly) {
    write("10-b.yaml", "services: {b: {command: x}}\n");
    write("02-a.yml", "services: {a: {command: x}}\n");
    write("z.yaml", "services: {c: {command: x}}\n");
    write(".hidden.yaml", "services: {hidden: {command: x}}\n");
    write("notes.txt", "not yaml at all: [\n");
    write("web.yaml~", "services: {backup: {command: x}}\n");
    write("web.yaml.dpkg-old", "services: {old: {command: x}}\n");
    fs::create_directory(dir / "sub.yaml");
    write("sub/inner.yaml", "services: {inner: {command: x}}\n");
    Config c = load(dir.string());
    EXPECT_EQ(c.files,
              (Argv{(dir / "02-a.yml").string(), (dir / "10-b.yaml").string(), (dir / "z.yaml").string()}));
    ASSERT_EQ(c.services.size(), 3u);
    EXPECT_EQ(c.services[0].name, "a");
    EXPECT_EQ(c.services[0].where.file, (dir / "02-a.yml").string());
    EXPECT_EQ(c.services[2].name, "c");
}

TEST_F(ConfigFiles, ASingleFileIsReadWhateverItsName) {
    std::string path = write("supervisord.conf", "services: {a: {command: x}}\n");
    Config c = load(path);
    EXPECT_EQ(c.files, Argv{path});
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0].where, (SourceLocation{path, 1, 12}));
}

TEST_F(ConfigFiles, AnEmptyDirectoryHasNoServices) {
    Config c = load(dir.string());
    EXPECT_TRUE(c.files.empty());
    EXPECT_TRUE(c.services.empty());
}

TEST_F(ConfigFiles, AMissingPathIsAnErrorNamingIt) {
    std::string missing = (dir / "nope").string();
    EXPECT_EQ(errorOf(missing), missing + ": cannot read configuration: No such file or directory");
}

TEST_F(ConfigFiles, AFileThatCannotBeReadIsAnErrorNamingIt) {
    std::string fifo = (dir / "fifo.yaml").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_TRUE(has(errorOf(fifo), fifo + " (not a regular file)"));  // and it did not hang
    if (::geteuid() != 0) {
        std::string locked = write("locked.yaml", "services: {}\n");
        ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
        EXPECT_EQ(errorOf(locked), "cannot read " + locked + ": Permission denied");
    }
}

// Before, a dangling web.yaml symlink or a FIFO named web.yaml was skipped: the services in it silently
// did not exist.
TEST_F(ConfigFiles, ADirectoryEntryWithAConfigNameThatCannotBeReadIsAnError) {
    write("a.yaml", "services: {a: {command: x}}\n");
    const std::string link = (dir / "b.yaml").string();
    ASSERT_EQ(::symlink("/nonexistent/b.yaml", link.c_str()), 0) << std::strerror(errno);
    const std::string fifo = (dir / "c.yaml").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
    const std::string text = errorOf(dir.string());
    EXPECT_TRUE(has(text, link + ": broken symlink (its target /nonexistent/b.yaml does not exist)")) << text;
    EXPECT_TRUE(has(text, fifo + " (not a regular file)")) << text;
    // A symlink to a good file is read; one to a directory is a sub-directory, skipped.
    ::unlink(link.c_str());
    ::unlink(fifo.c_str());
    write("real/target.yml", "services: {t: {command: x}}\n");
    ASSERT_EQ(::symlink("real/target.yml", link.c_str()), 0);
    ASSERT_EQ(::symlink("real", fifo.c_str()), 0);
    Config c = load(dir.string());
    EXPECT_EQ(c.files, (Argv{(dir / "a.yaml").string(), link}));
}

TEST_F(ConfigFiles, AServiceNameIsDefinedOnceAcrossFiles) {
    std::string a = write("a.yaml", "services:\n  web: {command: x}\n");
    std::string b = write("b.yaml", "services:\n  other: {command: x}\n  web: {command: y}\n");
    EXPECT_EQ(errorOf(dir.string()),
              b + ":3:3: services.web: service 'web' is already defined at " + a + ":2:3");
}

TEST_F(ConfigFiles, OnlyOneFileMayHaveASupervisorSection) {
    std::string a = write("a.yaml", "supervisor: {log_level: debug}\n");
    std::string b = write("b.yaml", "services: {}\nsupervisor: {log_level: info}\n");
    EXPECT_EQ(errorOf(dir.string()),
              b + ":2:1: supervisor: a second 'supervisor:' section; the first is at " + a +
                  ":1:1 (only one file may have it)");
}

TEST_F(ConfigFiles, TheSupervisorSectionMayComeFromAnyOneFile) {
    write("a.yaml", "services: {a: {command: x}}\n");
    std::string b = write("b.yaml", "supervisor: {log_level: warn}\n");
    Config c = load(dir.string());
    EXPECT_EQ(c.supervisor.logLevel, "warn");
    EXPECT_EQ(c.supervisor.where, (SourceLocation{b, 1, 1}));
}

TEST_F(ConfigFiles, ProblemsInEveryFileAreReportedTogether) {
    std::string a = write("a.yaml", "services: {a: [\n");
    std::string b = write("b.yaml", "services: {b: {command: x, restart: maybe}}\n");
    std::string text = errorOf(dir.string());
    EXPECT_TRUE(has(text, a + ":2:1: YAML syntax error")) << text;
    EXPECT_TRUE(has(text, b + ":1:37: services.b.restart: expected one of")) << text;
}

TEST_F(ConfigFiles, EnvironmentFileFirstThenEnvironmentOverIt) {
    std::string env = write("web.env", "# defaults\nPORT=80\nHOST=\"0.0.0.0\"\nMODE='prod'\n");
    write("conf/web.yaml",
          "services:\n  web:\n    command: x\n    environment: {PORT: 8080}\n    environment_file: " + env +
              "\n");
    Config c = load((dir / "conf").string());
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0].environment,
              (std::map<std::string, std::string>{{"HOST", "0.0.0.0"}, {"MODE", "prod"}, {"PORT", "8080"}}));
    EXPECT_EQ(c.services[0].environmentFile, env);
}

TEST_F(ConfigFiles, ARelativeEnvironmentFileIsFoundNextToTheYaml) {
    write("conf/env/web.env", "A=1\n");
    write("conf/web.yaml", "services: {web: {command: x, environment_file: env/web.env}}\n");
    Config c = load((dir / "conf").string());
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0].environment.at("A"), "1");
    EXPECT_EQ(c.services[0].environmentFile, "env/web.env");
}

TEST_F(ConfigFiles, AMissingEnvironmentFileIsAnErrorUnlessItsPathStartsWithDash) {
    std::string yaml =
        write("a.yaml", "services:\n  web:\n    command: x\n    environment_file: /nonexistent/web.env\n");
    EXPECT_EQ(errorOf(yaml),
              yaml +
                  ":4:23: services.web.environment_file: cannot read /nonexistent/web.env: No such file or "
                  "directory (start the path with '-' to ignore a missing file)");
    write("a.yaml",
          "services:\n  web:\n    command: x\n    environment_file: -/nonexistent/web.env\n"
          "    environment: {B: 2}\n");
    Config c = load(yaml);
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0].environment, (std::map<std::string, std::string>{{"B", "2"}}));
    EXPECT_EQ(c.services[0].environmentFile, "-/nonexistent/web.env");
}

TEST_F(ConfigFiles, ABadEnvironmentFileLineNamesTheEnvironmentFileAndLine) {
    std::string env = write("web.env", "A=1\n\nthis is wrong\nB=2\n");
    std::string yaml =
        write("a.yaml", "services:\n  web:\n    command: x\n    environment_file: " + env + "\n");
    EXPECT_EQ(errorOf(yaml), env +
                                 ":3:1: services.web.environment_file: expected KEY=VALUE, got 'this is "
                                 "wrong' (systemd would ignore this line) "
                                 "(environment file named at " +
                                 yaml + ":4)");
}

}  // namespace
}  // namespace sup::config
