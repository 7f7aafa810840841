// supctl against the real daemon, reading state: status (table, --json, exit codes 0/3/4), show,
// pid, version, limits, doctor, and what it says when nobody answers.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

const char* kServices = R"(
services:
  up:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
  off:
    command: ["/bin/sleep", "1000"]
    autostart: false
)";

class CtlQuery : public ::testing::Test {
  protected:
    TestBus bus;
    TempDir conf{"supconf"};
    std::unique_ptr<Daemon> daemon;

    void SetUp() override {
        writeFile(conf / "services.yaml", kServices);
        daemon = std::make_unique<Daemon>(bus, conf.path());
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
        ASSERT_TRUE(daemon->waitState("up", "RUNNING")) << daemon->log();
    }
};

TEST_F(CtlQuery, StatusExitCodesFollowSystemctl) {
    auto up = daemon->ctl({"status", "up"});
    EXPECT_EQ(up.exitCode, 0) << up.out << up.err;
    auto off = daemon->ctl({"status", "off"});
    EXPECT_EQ(off.exitCode, 3) << off.out << off.err;
    EXPECT_EQ(daemon->ctl({"status"}).exitCode, 3) << "one of all is STOPPED";
    auto none = daemon->ctl({"status", "nope"});
    EXPECT_EQ(none.exitCode, 4) << none.out << none.err;
    EXPECT_NE(none.err.find("nope"), std::string::npos) << none.err;
    EXPECT_EQ(none.err.rfind("supctl: ", 0), 0u) << none.err;
    // A pattern that matches nothing does not hide the ones that do.
    auto mixed = daemon->ctl({"status", "up", "nope"});
    EXPECT_EQ(mixed.exitCode, 4);
    EXPECT_NE(mixed.out.find("up"), std::string::npos) << mixed.out;
    EXPECT_NE(mixed.out.find("RUNNING"), std::string::npos) << mixed.out;
}

TEST_F(CtlQuery, StatusTableShowsTheProcesses) {
    auto r = daemon->ctl({"status"});
    EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
    for (auto* column : {"STATE", "PID", "IN-STATE", "RESTARTS", "LAST-EXIT", "REASON"})
        EXPECT_NE(r.out.find(column), std::string::npos) << column << "\n" << r.out;
    EXPECT_NE(r.out.find(std::to_string(daemon->pidOf("up"))), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("STOPPED"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when NO_COLOR is set / not a tty";
}

TEST_F(CtlQuery, StatusJsonIsAnArrayWithStableKeys) {
    auto r = daemon->ctl({"status", "--json"});
    ASSERT_EQ(r.exitCode, 3) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 2u) << j.dump();
    for (auto& p : j)
        for (auto* key : {"name", "group", "state", "pid", "restarts", "exit_status", "last_exit",
                          "spawn_error", "reason", "started_at", "state_since", "next_start", "cpu_usec",
                          "max_rss_kib", "command", "source_file", "source_line", "priority"})
            EXPECT_TRUE(p.contains(key)) << key << " in " << p.dump();
    auto up = daemon->process("up");
    EXPECT_EQ(up["state"], "RUNNING");
    EXPECT_GT(up["pid"].get<int>(), 0);
    EXPECT_EQ(up["command"], nlohmann::json::array({"/bin/sleep", "1000"}));
    EXPECT_GT(up["started_at"].get<long long>(), 0);
    EXPECT_NE(up["source_file"].get<std::string>().find("services.yaml"), std::string::npos);
    // Filtered by pattern, still an array.
    auto one = nlohmann::json::parse(daemon->ctl({"--json", "status", "off"}).out);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0]["name"], "off");
    EXPECT_EQ(one[0]["pid"], 0);
}

TEST_F(CtlQuery, ShowPrintsEveryPropertyAsKeyValue) {
    const pid_t pid = daemon->pidOf("up");
    auto r = daemon->ctl({"show", "up"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const std::string& line :
         std::vector<std::string>{"Name=up\n", "Service=up\n", "State=RUNNING\n",
                                  "Pid=" + std::to_string(pid) + "\n", "Restarts=0\n", "ExitStatus=-1\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    EXPECT_NE(r.out.find("Command=/bin/sleep 1000"), std::string::npos) << r.out;
    auto value = daemon->ctl({"show", "-p", "Pid", "--value", "up"});
    EXPECT_EQ(value.out, std::to_string(pid) + "\n");
    auto j = nlohmann::json::parse(daemon->ctl({"show", "--json", "up"}).out);
    EXPECT_TRUE(j.is_object());
    EXPECT_EQ(j["Name"], "up");
    EXPECT_EQ(daemon->ctl({"show", "nope"}).exitCode, 4);
    auto manager = daemon->ctl({"show"});
    EXPECT_EQ(manager.exitCode, 0) << manager.err;
    EXPECT_NE(manager.out.find("Version="), std::string::npos) << manager.out;
    EXPECT_NE(manager.out.find("ProcessCount=2\n"), std::string::npos) << manager.out;
}

TEST_F(CtlQuery, PidOfAProcessAndOfTheDaemon) {
    auto r = daemon->ctl({"pid", "up"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out, std::to_string(daemon->pidOf("up")) + "\n");
    auto off = daemon->ctl({"pid", "off"});
    EXPECT_EQ(off.exitCode, 3);
    EXPECT_EQ(off.out, "0\n");
    EXPECT_EQ(daemon->ctl({"pid"}).out, std::to_string(daemon->pid()) + "\n");
    EXPECT_EQ(daemon->ctl({"pid", "nope"}).exitCode, 4);
}

TEST_F(CtlQuery, VersionNamesClientAndDaemon) {
    auto r = daemon->ctl({"version"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("supctl "), std::string::npos);
    EXPECT_NE(r.out.find("supervisord "), std::string::npos);
    auto local = daemon->ctl({"--version"});
    EXPECT_EQ(local.exitCode, 0);
    EXPECT_EQ(local.out.rfind("supctl ", 0), 0u);
}

TEST_F(CtlQuery, LimitsJsonHasEveryDimensionAndTheTextMarksThem) {
    auto r = daemon->ctl({"limits", "--json"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j["dimensions"].is_array());
    EXPECT_TRUE(j.contains("warn_percent"));
    EXPECT_TRUE(j.contains("binding"));
    bool pidMax = false;
    for (auto& d : j["dimensions"]) {
        if (d["id"] == "pid-max") {
            pidMax = true;
            EXPECT_GT(d["limit"].get<long long>(), 0) << d.dump();
            EXPECT_GT(d["used"].get<long long>(), 0) << d.dump();
        }
    }
    EXPECT_TRUE(pidMax) << r.out;
    auto text = daemon->ctl({"limits"});
    EXPECT_EQ(text.exitCode, 0);
    EXPECT_EQ(text.out.rfind("LIMIT", 0), 0u) << text.out;
    EXPECT_NE(text.out.find("Warning threshold:"), std::string::npos) << text.out;
}

TEST_F(CtlQuery, DoctorOfAHealthyProcessIsQuietAndExitsZero) {
    auto r = daemon->ctl({"doctor", "up"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("up: ok"), std::string::npos) << r.out;
    auto j = nlohmann::json::parse(daemon->ctl({"doctor", "--json"}).out);
    EXPECT_EQ(j["checked"], nlohmann::json::array({"up"}));
    EXPECT_TRUE(j["findings"].empty()) << j.dump();
}

TEST_F(CtlQuery, DoctorOfAStoppedProcessSaysSoAndExitsThree) {
    auto r = daemon->ctl({"doctor", "off"});
    EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("off is not running"), std::string::npos) << r.err;
}

TEST_F(CtlQuery, DoctorJsonIsValidJsonInEveryCase) {
    auto parse = [](const CommandResult& r) {
        nlohmann::json j;
        EXPECT_NO_THROW(j = nlohmann::json::parse(r.out)) << "stdout: '" << r.out << "' stderr: " << r.err;
        return j;
    };
    // Nothing wrong.
    auto healthy = daemon->ctl({"doctor", "--json", "up"});
    EXPECT_EQ(healthy.exitCode, 0) << healthy.err;
    EXPECT_EQ(parse(healthy)["checked"], nlohmann::json::array({"up"}));
    // Named but not running: nothing to check, still JSON (it used to print nothing).
    auto off = daemon->ctl({"doctor", "--json", "off"});
    EXPECT_EQ(off.exitCode, 3) << off.err;
    auto offJson = parse(off);
    EXPECT_EQ(offJson["not_running"], nlohmann::json::array({"off"}));
    EXPECT_TRUE(offJson["checked"].is_array() && offJson["checked"].empty()) << offJson.dump();
    EXPECT_TRUE(offJson["findings"].is_array()) << offJson.dump();
    EXPECT_EQ(offJson["error"], "");
    // No such process: the error is in the JSON too, and the exit code is unchanged.
    auto none = daemon->ctl({"doctor", "--json", "nope"});
    EXPECT_EQ(none.exitCode, 4) << none.err;
    EXPECT_NE(parse(none)["error"].get<std::string>().find("nope"), std::string::npos) << none.out;
    EXPECT_NE(none.err.find("nope"), std::string::npos) << none.err;
    // The daemon is gone.
    ASSERT_EQ(daemon->terminate(), 0);
    auto gone = daemon->ctl({"doctor", "--json"});
    EXPECT_EQ(gone.exitCode, 1) << gone.err;
    EXPECT_NE(parse(gone)["error"].get<std::string>().find("cannot reach supervisord"), std::string::npos)
        << gone.out;
}

TEST(CtlDoctor, ANonBlockingStdoutIsAFindingWithAFix) {
    TestBus bus;
    TempDir conf{"supconf"};
    writeFile(conf / "services.yaml", R"(
services:
  nb:
    command: ["/usr/bin/perl", "-e", "use Fcntl; my $f = fcntl(STDOUT, F_GETFL, 0); fcntl(STDOUT, F_SETFL, $f | O_NONBLOCK); $| = 1; print qq(set\n); sleep 1000"]
    start_seconds: 0s
)");
    Daemon daemon(bus, conf.path());
    ASSERT_TRUE(daemon.waitReady()) << daemon.log();
    ASSERT_TRUE(waitFor([&] {
        return daemon.ctl({"tail", "nb"}).out.find("set") != std::string::npos;
    })) << daemon.log();
    auto r = daemon.ctl({"doctor", "nb"});
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("non-blocking"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("fix: "), std::string::npos) << r.out;
    auto j = nlohmann::json::parse(daemon.ctl({"doctor", "--json"}).out);
    ASSERT_FALSE(j["findings"].empty()) << j.dump();
    EXPECT_EQ(j["findings"][0]["name"], "nb");
}

TEST_F(CtlQuery, UsageErrorsExitTwo) {
    auto r = daemon->ctl({"frobnicate"});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("supctl: unknown command 'frobnicate'"), std::string::npos) << r.err;
    auto typo = daemon->ctl({"stauts"});
    EXPECT_EQ(typo.exitCode, 2);
    EXPECT_NE(typo.err.find("supctl: unknown command 'stauts' (did you mean 'status'?)"), std::string::npos)
        << typo.err;
    auto helpTypo = daemon->ctl({"help", "tial"});
    EXPECT_EQ(helpTypo.exitCode, 2);
    EXPECT_NE(helpTypo.err.find("(did you mean 'tail'?)"), std::string::npos) << helpTypo.err;
    EXPECT_EQ(daemon->ctl({"start"}).exitCode, 2);
    auto help = daemon->ctl({"tail", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("Usage: supctl tail"), std::string::npos);
}

using CtlGroupName = DaemonTest;

TEST_F(CtlGroupName, PidShowAndTailTakeAGroup) {
    startDaemon(R"(
services:
  web:
    command: ["/bin/sh", "-c", "echo hello; exec sleep 1000"]
    numprocs: 2
    start_seconds: 0s
  solo:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("web@0", "RUNNING") && daemon->waitState("web@1", "RUNNING"));
    ASSERT_TRUE(daemon->waitState("solo", "RUNNING"));
    const pid_t a = daemon->pidOf("web@0"), b = daemon->pidOf("web@1");

    auto pid = daemon->ctl({"pid", "web"});
    EXPECT_EQ(pid.exitCode, 0) << pid.err;
    EXPECT_EQ(pid.out, std::to_string(a) + "\n" + std::to_string(b) + "\n");
    EXPECT_EQ(daemon->ctl({"pid", "solo"}).out, std::to_string(daemon->pidOf("solo")) + "\n");
    EXPECT_EQ(daemon->ctl({"pid", "nope"}).exitCode, 4);

    auto show = daemon->ctl({"show", "web"});
    EXPECT_EQ(show.exitCode, 0) << show.err;
    EXPECT_NE(show.out.find("Name=web@0\n"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Name=web@1\n"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("\n\nName=web@1\n"), std::string::npos) << "blocks separated by an empty line";
    auto values = daemon->ctl({"show", "-p", "Pid", "--value", "web"});
    EXPECT_EQ(values.out, std::to_string(a) + "\n\n" + std::to_string(b) + "\n");
    auto json = nlohmann::json::parse(daemon->ctl({"show", "--json", "web"}).out);
    ASSERT_TRUE(json.is_array()) << json.dump();
    ASSERT_EQ(json.size(), 2u);
    EXPECT_EQ(json[1]["Name"], "web@1");

    auto tail = daemon->ctl({"tail", "web"});
    EXPECT_EQ(tail.exitCode, 2) << tail.out << tail.err;
    EXPECT_NE(tail.err.find("'web' is a group of 2 instances; tail one of them: web@0, web@1"),
              std::string::npos)
        << tail.err;
    EXPECT_EQ(daemon->ctl({"tail", "-f", "web"}).exitCode, 2);
    EXPECT_EQ(daemon->ctl({"tail", "nope"}).exitCode, 4);
    EXPECT_TRUE(waitFor([&] { return daemon->ctl({"tail", "web@1"}).out == "hello\n"; }));

    // A stopped instance prints 0 and makes the exit status 3, as for one instance.
    ASSERT_EQ(daemon->ctl({"stop", "web@1"}).exitCode, 0);
    auto partly = daemon->ctl({"pid", "web"});
    EXPECT_EQ(partly.exitCode, 3);
    EXPECT_EQ(partly.out, std::to_string(a) + "\n0\n");
}

using CtlIsActive = DaemonTest;

TEST_F(CtlIsActive, PrintsSystemdStatesAndExitsAsSystemctl) {
    startDaemon(R"(
services:
  up:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
  off:
    command: ["/bin/sleep", "1000"]
    autostart: false
  ghost:
    command: ["/nonexistent/binary"]
    start_retries: 0
  web:
    command: ["/bin/sleep", "1000"]
    numprocs: 2
    start_seconds: 0s
)");
    ASSERT_TRUE(daemon->waitState("up", "RUNNING")) << daemon->log();
    ASSERT_TRUE(daemon->waitState("ghost", "FATAL")) << daemon->log();
    ASSERT_TRUE(daemon->waitState("web@0", "RUNNING") && daemon->waitState("web@1", "RUNNING"));

    auto up = daemon->ctl({"is-active", "up"});
    EXPECT_EQ(up.exitCode, 0) << up.err;
    EXPECT_EQ(up.out, "active\n");
    auto group = daemon->ctl({"is-active", "web"});
    EXPECT_EQ(group.exitCode, 0) << group.err;
    EXPECT_EQ(group.out, "active\nactive\n");
    auto mixed = daemon->ctl({"is-active", "up", "off", "ghost"});
    EXPECT_EQ(mixed.exitCode, 3) << mixed.err;
    EXPECT_EQ(mixed.out, "active\ninactive\nfailed\n");
    auto quiet = daemon->ctl({"is-active", "-q", "off"});
    EXPECT_EQ(quiet.exitCode, 3);
    EXPECT_EQ(quiet.out, "");
    auto none = daemon->ctl({"is-active", "nope"});
    EXPECT_EQ(none.exitCode, 4);
    EXPECT_EQ(none.out, "inactive\n");
    EXPECT_EQ(none.err, "") << "quiet like systemctl";

    auto failed = daemon->ctl({"is-failed", "up", "ghost"});
    EXPECT_EQ(failed.exitCode, 0) << failed.err;
    EXPECT_EQ(failed.out, "active\nfailed\n");
    auto healthy = daemon->ctl({"is-failed", "--quiet", "up", "off"});
    EXPECT_EQ(healthy.exitCode, 1) << healthy.err;
    EXPECT_EQ(healthy.out, "");
    EXPECT_EQ(daemon->ctl({"is-failed", "nope"}).exitCode, 4);

    // Asking about a stopped daemon: status unknown, not "not running".
    ASSERT_EQ(daemon->terminate(), 0);
    EXPECT_EQ(daemon->ctl({"is-active", "up"}).exitCode, 4);
    EXPECT_EQ(daemon->ctl({"is-failed", "up"}).exitCode, 4);
}

TEST(CtlUnreachable, NoDaemonOnTheBusIsStatusUnknownWithAHint) {
    TestBus bus;
    auto r = runCommand({SUPCTL_BIN, "status"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(r.exitCode, 4) << "LSB: program or service status is unknown";
    EXPECT_NE(r.err.find("supctl: cannot reach supervisord on the system bus"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("try --user"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    // Commands that are not status queries still report a plain failure.
    auto stop = runCommand({SUPCTL_BIN, "stop", "all"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(stop.exitCode, 1) << stop.err;
    auto pid = runCommand({SUPCTL_BIN, "pid"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(pid.exitCode, 1) << pid.err;
}

TEST(CtlUnreachable, NoBusAtAllIsStatusUnknownWithAHint) {
    TempDir dir("supnobus");
    auto r = runCommand({SUPCTL_BIN, "status"},
                        {{"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + dir / "missing.sock"}});
    EXPECT_EQ(r.exitCode, 4);
    EXPECT_NE(r.err.find("cannot reach supervisord on the system bus"), std::string::npos) << r.err;
    auto user = runCommand({SUPCTL_BIN, "--user", "status"},
                           {{"DBUS_SESSION_BUS_ADDRESS", "unix:path=" + dir / "missing.sock"}});
    EXPECT_EQ(user.exitCode, 4);
    EXPECT_NE(user.err.find("on the session bus"), std::string::npos) << user.err;
}

}  // namespace
