// supctl show and supctl cat against the real daemon: the definition a process runs with, every default
// filled in, read over D-Bus (io.supervisord.Process1's definition properties), and argument
// boundaries kept in --json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ConfigLoader.h"
#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

using CtlDefinition = DaemonTest;

// Log files go under the test's config directory (a relative path would land in /var/log).
std::string webServices(const std::string& dir) {
    return R"(
services:
  web:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
    stop_timeout: 90s
    umask: "027"
    environment: {GREETING: "hello world"}
    stdout: {file: ")" +
           dir + R"(/{name}.out"}
  echo:
    command: ["/bin/sh", "-c", "echo 'a b'; exec sleep 1000", "x y"]
    autostart: false
)";
}

TEST_F(CtlDefinition, ShowGivesEveryEffectiveSettingUnderSystemdNames) {
    startDaemon(webServices(conf.path()));
    ASSERT_TRUE(daemon->waitState("web", "RUNNING")) << daemon->log();
    auto r = daemon->ctl({"show", "web"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const std::string line :
         {"ExecStart=/bin/sleep 1000\n", "StopTimeoutUSec=1min 30s\n", "StartSecUSec=0\n", "Restart=always\n",
          "User=\n", "Group=\n", "WorkingDirectory=/\n", "UMask=0027\n",
          "Environment='GREETING=hello world'\n", "StopSignal=TERM\n", "Priority=100\n", "Autostart=yes\n",
          "StandardError=daemon\n", "StartRetries=3\n", "BackoffInitialUSec=1s\n", "KillGroup=yes\n",
          "Service=web\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "in\n" << r.out;
    // Log paths are shown resolved, for this instance.
    EXPECT_NE(r.out.find("StandardOutput=file:" + (conf / "web.out") + "\n"), std::string::npos) << r.out;
}

TEST_F(CtlDefinition, ShowPropertyListKeepsTheOrderAskedAlsoInJson) {
    startDaemon(webServices(conf.path()));
    ASSERT_TRUE(daemon->waitState("web", "RUNNING")) << daemon->log();
    auto text = daemon->ctl({"show", "-p", "StopTimeoutUSec,State,ExecStart", "web"});
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_EQ(text.out, "StopTimeoutUSec=1min 30s\nState=RUNNING\nExecStart=/bin/sleep 1000\n");
    auto json = daemon->ctl({"show", "--json", "-p", "StopTimeoutUSec,State,ExecStart", "web"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    EXPECT_EQ(
        json.out,
        "{\"StopTimeoutUSec\":90000000,\"State\":\"RUNNING\",\"ExecStart\":[\"/bin/sleep\",\"1000\"]}\n");
}

TEST_F(CtlDefinition, JsonCommandKeepsArgumentBoundaries) {
    startDaemon(webServices(conf.path()));
    const auto expected = nlohmann::json::array({"/bin/sh", "-c", "echo 'a b'; exec sleep 1000", "x y"});
    EXPECT_EQ(daemon->process("echo")["command"], expected);
    auto show = nlohmann::json::parse(daemon->ctl({"show", "--json", "echo"}).out);
    EXPECT_EQ(show["ExecStart"], expected);
}

TEST_F(CtlDefinition, CatPrintsTheSourceAndYamlThatLoadsBack) {
    startDaemon(webServices(conf.path()));
    auto r = daemon->ctl({"cat", "echo"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string source = "# echo: " + (conf / "services.yaml") + ":";
    EXPECT_EQ(r.out.rfind(source, 0), 0u) << r.out;
    EXPECT_NE(r.out.find("stop_timeout: 10s\n"), std::string::npos) << "defaults filled in:\n" << r.out;
    EXPECT_NE(r.out.find("autostart: false\n"), std::string::npos) << r.out;
    sup::Config loaded;
    ASSERT_NO_THROW(loaded = sup::config::loadString(r.out, "cat.yaml")) << r.out;
    ASSERT_EQ(loaded.services.size(), 1u);
    EXPECT_EQ(loaded.services[0].command,
              (std::vector<std::string>{"/bin/sh", "-c", "echo 'a b'; exec sleep 1000", "x y"}));
    EXPECT_EQ(daemon->ctl({"cat", "nope"}).exitCode, 4);
    EXPECT_EQ(daemon->ctl({"cat"}).exitCode, 2);
}

TEST_F(CtlDefinition, AMissingBinaryShowsTheExecFailureNotExit127) {
    startDaemon(R"(
services:
  ghost:
    command: ["/nonexistent/binary"]
    autostart: false
    start_retries: 0
)");
    auto start = daemon->ctl({"start", "ghost"});
    EXPECT_EQ(start.exitCode, 1) << start.out << start.err;
    EXPECT_EQ(start.err.find("tail --stderr"), std::string::npos) << "its stderr is empty:\n" << start.err;
    EXPECT_NE(start.err.find("supctl cat ghost"), std::string::npos) << start.err;
    auto p = daemon->process("ghost");
    EXPECT_EQ(p["state"], "FATAL");
    EXPECT_EQ(p["last_exit"], "exec: No such file or directory") << p.dump();
    EXPECT_EQ(p["exit_status"], 127) << "the number stays what the shell would say";
    auto table = daemon->ctl({"status", "ghost"});
    EXPECT_NE(table.out.find("exec: No such file or directory"), std::string::npos) << table.out;
    EXPECT_EQ(table.out.find("exit 127"), std::string::npos) << table.out;
    EXPECT_EQ(daemon->log().find("pid 0"), std::string::npos) << daemon->log();
    EXPECT_NE(daemon->log().find("1 failed start in a row"), std::string::npos) << daemon->log();
}

}  // namespace
