// supctl's text output: durations, the table, status rows and exit codes, show, limits, doctor.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "ctl/DoctorView.h"
#include "ctl/ExitCode.h"
#include "ctl/JsonOutput.h"
#include "ctl/LimitsView.h"
#include "ctl/ShowView.h"
#include "ctl/StatusView.h"
#include "ctl/Table.h"
#include "ctl/TimeFormat.h"

using namespace sup::ctl;

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kNow = 1'700'000'000 * kSecond;

ProcessRecord proc(std::string name, std::string state, std::uint32_t pid = 0) {
    ProcessRecord p;
    p.name = name;
    p.group = name.substr(0, name.find('@'));
    p.state = std::move(state);
    p.pid = pid;
    return p;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        out.push_back(text.substr(start, nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

TEST(CtlDuration, ShowsTheTwoMostSignificantUnits) {
    EXPECT_EQ(formatDuration(0), "0s");
    EXPECT_EQ(formatDuration(-5 * kSecond), "0s");
    EXPECT_EQ(formatDuration(250'000), "250ms");
    EXPECT_EQ(formatDuration(45 * kSecond), "45s");
    EXPECT_EQ(formatDuration(182 * kSecond), "3min 2s");
    EXPECT_EQ(formatDuration((2 * 3600 + 5 * 60 + 9) * kSecond), "2h 5min");
    EXPECT_EQ(formatDuration((3 * 86400 + 4 * 3600) * kSecond), "3d 4h");
    EXPECT_EQ(formatDuration(3600 * kSecond), "1h");
    // A gap after the first unit stops there rather than skipping to a smaller one.
    EXPECT_EQ(formatDuration((3600 + 5) * kSecond), "1h");
}

TEST(CtlTimestamp, FormatsLocalTimeAndLeavesZeroEmpty) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(formatTimestamp(0), "");
    EXPECT_EQ(formatTimestamp(kNow), "Tue 2023-11-14 22:13:20 UTC");
}

TEST(CtlTable, AlignsColumnsWithoutTrailingBlanks) {
    Table t({"NAME", "PID", "NOTE"});
    t.alignRight(1);
    t.addRow({"a", "7", "x"});
    t.addRow({"longer", "12345", ""});
    auto out = lines(t.render(false));
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0], "NAME      PID  NOTE");
    EXPECT_EQ(out[1], "a           7  x");
    EXPECT_EQ(out[2], "longer  12345");
}

TEST(CtlTable, ColourDoesNotShiftColumns) {
    Table t({"A", "B"});
    t.addRow({Cell("run", style::kGreen), "x"});
    t.addRow({Cell("stopped"), "y"});
    auto plain = lines(t.render(false));
    auto coloured = lines(t.render(true));
    EXPECT_EQ(coloured[1], "\x1b[32mrun\x1b[0m      x");
    EXPECT_EQ(plain[1], "run      x");
    EXPECT_EQ(plain[2], "stopped  y");
    EXPECT_EQ(coloured[0].find("\x1b[1mA\x1b[0m"), 0u);
}

TEST(CtlTable, WidthCountsCharactersNotBytes) {
    EXPECT_EQ(displayWidth("abc"), 3u);
    EXPECT_EQ(displayWidth("g\xc3\xbcnter"), 6u);  // "günter"
}

TEST(CtlStatus, TableShowsHowLongEachProcessHasBeenInItsState) {
    auto web = proc("web", "RUNNING", 4242);
    web.startedAtUsec = kNow - 3 * 3600 * kSecond;
    web.restarts = 2;
    auto db = proc("db", "EXITED");
    db.stateSinceUsec = kNow - 90 * kSecond;
    db.lastExit = "exit 1";
    db.exitStatus = 1;
    auto out = lines(renderStatusTable({web, db}, kNow, false));
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].rfind("NAME", 0), 0u);
    EXPECT_NE(out[0].find("STATE"), std::string::npos);
    EXPECT_NE(out[0].find("IN-STATE"), std::string::npos);
    EXPECT_EQ(out[0].find("UPTIME"), std::string::npos) << "a FATAL process has no uptime";
    EXPECT_NE(out[0].find("LAST-EXIT"), std::string::npos);
    EXPECT_NE(out[1].find("RUNNING"), std::string::npos);
    EXPECT_NE(out[1].find("4242"), std::string::npos);
    EXPECT_NE(out[1].find("3h"), std::string::npos);
    EXPECT_NE(out[2].find("1min 30s"), std::string::npos);
    EXPECT_EQ(out[2].find(" ago"), std::string::npos) << out[2];
    EXPECT_NE(out[2].find("exit 1"), std::string::npos);
    EXPECT_EQ(out[2].find("4242"), std::string::npos);
}

TEST(CtlStatus, ReasonShowsTheSpawnErrorAndTheNextTryOfAFailingProcess) {
    auto p = proc("ghost", "BACKOFF");
    p.reason = "spawn failed";
    p.spawnError = "exec /nope: No such file or directory";
    p.nextStartUsec = kNow + 3 * kSecond;
    EXPECT_EQ(describeReason(p, kNow), "spawn failed; exec /nope: No such file or directory; next try in 3s");
    // The daemon's "restarting in 4s" (when it decided) is said once, counting down to the due time.
    p.reason = "exited too quickly (exit 1); restarting in 4s";
    p.spawnError = "";
    EXPECT_EQ(describeReason(p, kNow), "exited too quickly (exit 1); restarting in 3s");
    p.nextStartUsec = kNow - kSecond;
    EXPECT_EQ(describeReason(p, kNow), "exited too quickly (exit 1); restarting now");
    // Not repeated when the reason already quotes it.
    p.reason = "fork: EAGAIN, pids cgroup 64/64";
    p.spawnError = "fork: EAGAIN, pids cgroup 64/64";
    p.nextStartUsec = 0;
    EXPECT_EQ(describeReason(p, kNow), "fork: EAGAIN, pids cgroup 64/64");
    // On a running process an old spawn error is history.
    auto r = proc("web", "RUNNING", 1);
    r.spawnError = "exec: old";
    EXPECT_EQ(describeReason(r, kNow), "");
}

// sd_notify's STATUS= text is shown while the process it describes lives, as systemctl status does.
TEST(CtlStatus, ReasonShowsTheNotifyStatusOfALiveProcess) {
    ProcessRecord p;
    p.state = "RUNNING";
    p.reason = "ready: READY=1";
    p.notifyStatus = "accepting connections";
    EXPECT_EQ(describeReason(p, kNow), "ready: READY=1; status: accepting connections");
    p.state = "STOPPED";
    p.reason = "stopped (exit 0)";
    EXPECT_EQ(describeReason(p, kNow), "stopped (exit 0)");
}

TEST(CtlStatus, ExitCodeFollowsSystemctl) {
    EXPECT_EQ(statusExitCode({}, false), kExitOk);
    EXPECT_EQ(statusExitCode({proc("a", "RUNNING", 1)}, false), kExitOk);
    EXPECT_EQ(statusExitCode({proc("a", "RUNNING", 1), proc("b", "STARTING", 2)}, false), kExitNotRunning);
    EXPECT_EQ(statusExitCode({proc("a", "STOPPED")}, false), kExitNotRunning);
    EXPECT_EQ(statusExitCode({proc("a", "RUNNING", 1)}, true), kExitNoSuchProcess);
    EXPECT_EQ(statusExitCode({}, true), kExitNoSuchProcess);
}

TEST(CtlStatus, StatesHaveColours) {
    EXPECT_EQ(stateStyle(proc("a", "RUNNING")), style::kGreen);
    EXPECT_EQ(stateStyle(proc("a", "FATAL")), style::kBoldRed);
    EXPECT_EQ(stateStyle(proc("a", "STOPPED")), style::kNone);
}

TEST(CtlShow, PrintsEveryPropertyAsKeyValue) {
    auto p = proc("web@1", "RUNNING", 77);
    p.command = "/bin/sleep 100";
    p.sourceFile = "/etc/supervisord/web.yaml";
    p.sourceLine = 3;
    auto text = renderProperties(processProperties(p, {}), {}, false);
    for (auto* expected :
         {"Name=web@1\n", "Service=web\n", "State=RUNNING\n", "Pid=77\n", "ExitStatus=-1\n",
          "Command=/bin/sleep 100\n", "SourceFile=/etc/supervisord/web.yaml\n", "SourceLine=3\n",
          "StartedAt=\n", "StartedAtUSec=0\n", "Restarts=0\n", "SpawnError=\n"})
        EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
    EXPECT_EQ(text.rfind("Name=", 0), 0u);
}

ServiceDefinition sampleDefinition() {
    ServiceDefinition d;
    d.execStart = {"/usr/bin/python3", "-m", "http.server", "a b"};
    d.workingDirectory = "/srv";
    d.user = "www-data";
    d.unixGroup = "www";
    d.umask = "0027";
    d.environment = {"A=1", "B=two words"};
    d.numProcs = 2;
    d.autostart = false;
    d.restart = "on-failure";
    d.successExitStatus = {0, 3};
    d.startSecUsec = 1'500'000;
    d.startRetries = 5;
    d.backoffInitialUsec = 1'000'000;
    d.backoffMaxUsec = 60'000'000;
    d.backoffResetUsec = 36'500ULL * 86'400 * 1'000'000;
    d.stopSignal = "INT";
    d.stopTimeoutUsec = 90'000'000;
    d.killGroup = true;
    d.standardOutput = "file:/var/log/web@1.log";
    d.standardOutputMaxSize = 10 << 20;
    d.standardOutputBackups = 5;
    d.standardError = "stdout";
    d.timestamps = true;
    return d;
}

TEST(CtlShow, DefinitionPropertiesUseSystemdNamesAndForms) {
    auto p = proc("web@1", "RUNNING", 77);
    p.priority = 7;
    auto text = renderProperties(processProperties(p, sampleDefinition()), {}, false);
    for (auto* expected : {"ExecStart=/usr/bin/python3 -m http.server 'a b'\n",
                           "WorkingDirectory=/srv\n",
                           "User=www-data\n",
                           "Group=www\n",
                           "UMask=0027\n",
                           "Environment=A=1 'B=two words'\n",
                           "NumProcs=2\n",
                           "Autostart=no\n",
                           "Restart=on-failure\n",
                           "SuccessExitStatus=0 3\n",
                           "StartSecUSec=1s 500ms\n",
                           "StartRetries=5\n",
                           "BackoffResetUSec=infinity\n",
                           "StopSignal=INT\n",
                           "StopTimeoutUSec=1min 30s\n",
                           "KillGroup=yes\n",
                           "Priority=7\n",
                           "StandardOutput=file:/var/log/web@1.log\n",
                           "StandardOutputMaxSize=10485760\n",
                           "StandardError=stdout\n",
                           "Timestamps=yes\n"})
        EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
}

TEST(CtlShow, DependenciesAndReadinessAreProperties) {
    auto p = proc("api", "STOPPED");
    p.required = {"db", "migrate"};
    p.wanted = {"cache@1"};
    p.requiredBy = {"web"};
    p.readyState = "waiting";
    p.notifyStatus = "warming up";
    const auto props = processProperties(p, {});
    EXPECT_EQ(renderProperties(
                  props, {"Requires", "Wants", "After", "RequiredBy", "ReadyState", "NotifyStatus"}, false),
              "Requires=db migrate\nWants=cache@1\nAfter=\nRequiredBy=web\nReadyState=waiting\n"
              "NotifyStatus=warming up\n");
    EXPECT_EQ(propertiesJson(props, {"Requires", "After"}).dump(),
              R"({"Requires":["db","migrate"],"After":[]})");
}

TEST(CtlShow, SelectsPropertiesInTheOrderAsked) {
    auto p = proc("web", "RUNNING", 77);
    const auto props = processProperties(p, sampleDefinition());
    EXPECT_EQ(renderProperties(props, {"State", "Pid"}, false), "State=RUNNING\nPid=77\n");
    EXPECT_EQ(renderProperties(props, {"Pid", "State"}, false), "Pid=77\nState=RUNNING\n");
    EXPECT_EQ(renderProperties(props, {"Pid"}, true), "77\n");
    EXPECT_EQ(renderProperties(props, {"NoSuchKey"}, false), "");
    EXPECT_EQ(renderProperties(props, {"StopTimeoutUSec", "NoSuchKey", "Restart"}, true),
              "1min 30s\non-failure\n");
}

TEST(CtlShow, JsonKeepsTheOrderAskedAndTypesTheValues) {
    auto p = proc("web", "RUNNING", 77);
    const auto props = processProperties(p, sampleDefinition());
    EXPECT_EQ(
        dumpLine(propertiesJson(props, {"StopTimeoutUSec", "Pid", "ExecStart", "Autostart"})),
        "{\"StopTimeoutUSec\":90000000,\"Pid\":77,\"ExecStart\":[\"/usr/bin/python3\",\"-m\",\"http.server\","
        "\"a b\"],\"Autostart\":false}\n");
    auto all = propertiesJson(props, {});
    EXPECT_EQ(all.begin().key(), "Name");
    EXPECT_EQ(all["Environment"], Json::array({"A=1", "B=two words"}));
    EXPECT_EQ(all["SuccessExitStatus"], Json::array({0, 3}));
}

TEST(CtlTimespan, PrintsEveryUnitExactly) {
    EXPECT_EQ(formatTimespan(0), "0");
    EXPECT_EQ(formatTimespan(10'000'000), "10s");
    EXPECT_EQ(formatTimespan(90'500'000), "1min 30s 500ms");
    EXPECT_EQ(formatTimespan(3'600'000'000ULL + 1'000'000), "1h 1s");
    EXPECT_EQ(formatTimespan(36'500ULL * 86'400 * 1'000'000), "infinity");
}

TEST(CtlShow, DaemonPropertiesIncludeStateCounts) {
    DaemonInfo d;
    d.version = "0.1.0";
    d.state = "running";
    d.stateCounts = {{"RUNNING", 3}, {"STOPPED", 1}};
    auto text = renderProperties(daemonProperties(d), {}, false);
    EXPECT_NE(text.find("Version=0.1.0\n"), std::string::npos);
    EXPECT_NE(text.find("StateCounts=RUNNING=3 STOPPED=1\n"), std::string::npos);
}

LimitsReading sampleLimits() {
    LimitsReading r;
    r.warnPercent = 80;
    r.bindingId = "nproc:uid=1000";
    LimitDimension nproc;
    nproc.id = "nproc:uid=1000";
    nproc.title = "RLIMIT_NPROC of uid 1000 (alice)";
    nproc.used = 2046;
    nproc.limit = 2048;
    nproc.percent = 99.90234375;
    nproc.top = {{"ssh", 1500}, {"python3", 300}};
    nproc.note = "limits.conf would set 4096 for this user at login";
    LimitDimension pids;
    pids.id = "pid-max";
    pids.title = "kernel.pid_max";
    pids.used = 900;
    pids.limit = 1000;
    pids.percent = 90;
    LimitDimension cg;
    cg.id = "pids-cgroup";
    cg.title = "pids cgroup /system.slice";
    cg.used = 12;
    cg.limit = 0;
    cg.hitCount = 3;
    LimitDimension nofile;
    nofile.id = "nofile";
    nofile.title = "RLIMIT_NOFILE of supervisord";
    nofile.used = 9;
    nofile.limit = 1024;
    nofile.percent = 0.87890625;
    r.dimensions = {nproc, pids, cg, nofile};
    return r;
}

TEST(CtlLimits, MarksTheBindingLimitAndThoseOverTheThreshold) {
    auto out = lines(renderLimits(sampleLimits(), false));
    ASSERT_GE(out.size(), 5u);
    EXPECT_NE(out[0].find("LIMIT"), std::string::npos);
    EXPECT_NE(out[1].find("2046"), std::string::npos);
    EXPECT_NE(out[1].find("2048"), std::string::npos);
    EXPECT_NE(out[1].find("99.9%"), std::string::npos);
    EXPECT_NE(out[1].find("BINDING"), std::string::npos);
    EXPECT_NE(out[1].find("ssh 1500, python3 300"), std::string::npos);
    EXPECT_NE(out[2].find("WARN"), std::string::npos);
    EXPECT_NE(out[3].find("unlimited"), std::string::npos);
    EXPECT_EQ(out[3].find("WARN"), std::string::npos);
    EXPECT_EQ(out[4].find("WARN"), std::string::npos);
    EXPECT_NE(out[4].find("0.9%"), std::string::npos);
    auto all = renderLimits(sampleLimits(), false);
    EXPECT_NE(all.find("Binding: RLIMIT_NPROC of uid 1000 (alice)"), std::string::npos) << all;
    EXPECT_NE(all.find("Warning threshold: 80%"), std::string::npos);
    EXPECT_NE(all.find("limits.conf would set 4096"), std::string::npos);
    EXPECT_NE(all.find("refused 3 forks so far"), std::string::npos);
}

TEST(CtlLimits, SaysSoWhenNothingBinds) {
    auto r = sampleLimits();
    r.bindingId.clear();
    EXPECT_NE(renderLimits(r, false).find("No limit is near its maximum."), std::string::npos);
    EXPECT_EQ(formatPercent(99.96), "100.0%");
    EXPECT_TRUE(overWarning(r.dimensions[1], 90));
    EXPECT_FALSE(overWarning(r.dimensions[2], 0)) << "an unlimited dimension never warns";
}

TEST(CtlDoctor, ListsFindingsWithFixesAndOkInstances) {
    std::vector<DoctorFinding> findings = {
        {"web", "warning", "stdout (fd 1) is in non-blocking mode", "clear O_NONBLOCK"},
        {"web", "error", "2 zombie children", "reap them"},
    };
    auto text = renderFindings(findings, {"db", "web"}, false);
    EXPECT_EQ(text,
              "db: ok\n"
              "web:\n"
              "  warning: stdout (fd 1) is in non-blocking mode\n"
              "    fix: clear O_NONBLOCK\n"
              "  error: 2 zombie children\n"
              "    fix: reap them\n");
    EXPECT_EQ(doctorExitCode(findings), kExitFailure);
    EXPECT_EQ(doctorExitCode({}), kExitOk);
    EXPECT_EQ(doctorExitCode({{"web", "info", "fine", ""}}), kExitOk);
    EXPECT_EQ(renderFindings({}, {}, false), "No running process to check.\n");
}

}  // namespace
