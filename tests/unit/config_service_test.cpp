// loadString(): what each service key turns into, and the defaults when it is left out.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include "ConfigLoader.h"

namespace sup::config {
namespace {

using std::chrono::milliseconds;
using Argv = std::vector<std::string>;

ServiceSpec onlyService(const std::string& yaml) {
    Config c = loadString(yaml, "test.yaml");
    EXPECT_EQ(c.services.size(), 1u);
    return c.services.empty() ? ServiceSpec{} : c.services.front();
}

TEST(ConfigService, OnlyCommandGivesTheDocumentedDefaults) {
    ServiceSpec s = onlyService("services:\n  app:\n    command: [/bin/true]\n");
    EXPECT_EQ(s.name, "app");
    EXPECT_EQ(s.command, Argv{"/bin/true"});
    EXPECT_EQ(s.where, (SourceLocation{"test.yaml", 2, 3}));
    // Everything else is ServiceSpec's own default.
    ServiceSpec expected;
    expected.name = "app";
    expected.command = {"/bin/true"};
    expected.where = s.where;
    EXPECT_EQ(s, expected);
    EXPECT_EQ(s.restart, RestartMode::Always);
    EXPECT_EQ(s.stopSignal, SIGTERM);
    EXPECT_EQ(s.stdoutTarget.kind, LogTarget::Kind::Daemon);
    EXPECT_FALSE(s.uid.has_value());
}

TEST(ConfigService, ReadsEveryKeyOfTheIssueExample) {
    ServiceSpec s = onlyService(R"(
services:
  web:
    command: ["/usr/bin/python3", "-m", "http.server", "8080"]
    directory: /srv/web
    user: root
    environment: {PORT: "8080", WORKERS: 4, DEBUG: yes}
    numprocs: 2
    autostart: false
    restart: on-failure
    success_exit_codes: [0, 3]
    start_seconds: 1
    start_retries: 5
    backoff: {initial: 500ms, max: 30s, reset_after: 2m}
    stop_signal: SIGINT
    stop_timeout: 15s
    kill_group: false
    priority: -5
    umask: "027"
    stdout: {file: "/var/log/supervisord/{name}.out.log", max_size: 1MiB, backups: 2}
    stderr: stdout
    timestamps: true
)");
    EXPECT_EQ(s.command, (Argv{"/usr/bin/python3", "-m", "http.server", "8080"}));
    EXPECT_EQ(s.directory, "/srv/web");
    EXPECT_EQ(s.user, "root");
    EXPECT_EQ(s.uid, 0u);
    EXPECT_EQ(s.gid, 0u);
    EXPECT_EQ(s.home, "/root");
    EXPECT_EQ(s.environment,
              (std::map<std::string, std::string>{{"DEBUG", "yes"}, {"PORT", "8080"}, {"WORKERS", "4"}}));
    EXPECT_EQ(s.numprocs, 2u);
    EXPECT_EQ(s.instanceNames(), (Argv{"web@0", "web@1"}));
    EXPECT_FALSE(s.autostart);
    EXPECT_EQ(s.restart, RestartMode::OnFailure);
    EXPECT_EQ(s.successExitCodes, (std::vector<int>{0, 3}));
    EXPECT_EQ(s.startSeconds, milliseconds(1000));
    EXPECT_EQ(s.startRetries, 5u);
    EXPECT_EQ(s.backoff, (BackoffSpec{milliseconds(500), milliseconds(30'000), milliseconds(120'000)}));
    EXPECT_EQ(s.stopSignal, SIGINT);
    EXPECT_EQ(s.stopTimeout, milliseconds(15'000));
    EXPECT_FALSE(s.killGroup);
    EXPECT_EQ(s.priority, -5);
    EXPECT_EQ(s.umask, mode_t{027});
    EXPECT_EQ(s.stdoutTarget,
              (LogTarget{LogTarget::Kind::File, "/var/log/supervisord/{name}.out.log", 1 << 20, 2}));
    EXPECT_EQ(s.stderrTarget.kind, LogTarget::Kind::Stdout);
    EXPECT_TRUE(s.timestamps);
}

TEST(ConfigService, ACommandStringIsSplitLikeAShellWouldWithoutShellFeatures) {
    ServiceSpec s = onlyService("services:\n  a:\n    command: /bin/echo 'a b' \"c d\" $HOME | x\n");
    EXPECT_EQ(s.command, (Argv{"/bin/echo", "a b", "c d", "$HOME", "|", "x"}));
}

TEST(ConfigService, RestartAcceptsSystemdsNo) {
    EXPECT_EQ(onlyService("services: {a: {command: x, restart: never}}").restart, RestartMode::Never);
    EXPECT_EQ(onlyService("services: {a: {command: x, restart: no}}").restart, RestartMode::Never);
    EXPECT_EQ(onlyService("services: {a: {command: x, restart: always}}").restart, RestartMode::Always);
}

TEST(ConfigService, InfinityIsAHundredYears) {
    ServiceSpec s = onlyService(
        "services: {a: {command: x, stop_timeout: infinity, backoff: {max: infinity, reset_after: "
        "infinity}}}");
    const milliseconds hundredYears(36'500LL * 86'400'000);
    EXPECT_EQ(s.stopTimeout, hundredYears);
    EXPECT_EQ(s.backoff, (BackoffSpec{milliseconds(1000), hundredYears, hundredYears}));
}

TEST(ConfigService, ScalarsInOtherSpellings) {
    ServiceSpec s = onlyService(
        "services: {a: {command: x, success_exit_codes: 2, umask: 022, stop_signal: 9, autostart: off,"
        " stdout: journal, stderr: 'null', start_seconds: 0s}}");
    EXPECT_EQ(s.successExitCodes, std::vector<int>{2});
    EXPECT_EQ(s.umask, mode_t{022});
    EXPECT_EQ(s.stopSignal, SIGKILL);
    EXPECT_FALSE(s.autostart);
    EXPECT_EQ(s.stdoutTarget.kind, LogTarget::Kind::Journal);
    EXPECT_EQ(s.stderrTarget.kind, LogTarget::Kind::Null);
    EXPECT_EQ(s.startSeconds, milliseconds(0));
    EXPECT_EQ(onlyService("services: {a: {command: x, umask: 0o77}}").umask, mode_t{077});
    EXPECT_EQ(onlyService("services: {a: {command: x, stdout: daemon}}").stdoutTarget.kind,
              LogTarget::Kind::Daemon);
    EXPECT_EQ(onlyService("services: {a: {command: x, stderr: memory}}").stderrTarget.kind,
              LogTarget::Kind::Memory);
    // A plain null is YAML's "no value", but here it is the word the user meant.
    EXPECT_EQ(
        onlyService("services:\n  a:\n    command: x\n    stdout: null\n    stderr: ~\n").stdoutTarget.kind,
        LogTarget::Kind::Null);
}

TEST(ConfigService, AFileTargetKeepsItsDefaultsAndItsRelativePath) {
    ServiceSpec s = onlyService("services: {a: {command: x, stderr: {file: a.err}}}");
    EXPECT_EQ(s.stderrTarget, (LogTarget{LogTarget::Kind::File, "a.err", 10 << 20, 5}));
}

TEST(ConfigService, ANumericUserWithoutAPasswdEntryIsAcceptedWithItsOwnGroupAndRootHome) {
    if (::getpwuid(4242)) GTEST_SKIP() << "uid 4242 exists here";
    ServiceSpec s = onlyService("services: {a: {command: x, user: 4242}}");
    EXPECT_EQ(s.uid, 4242u);
    EXPECT_EQ(s.gid, 4242u);
    EXPECT_EQ(s.home, "/");
    EXPECT_TRUE(s.supplementaryGroups.empty());
    EXPECT_EQ(s.account, "");  // no name to give USER and LOGNAME
    s = onlyService("services: {a: {command: x, user: 4242, group: 0}}");
    EXPECT_EQ(s.gid, 0u);
}

TEST(ConfigService, ANumericUserWithAPasswdEntryKnowsItsAccountName) {
    const passwd* pw = ::getpwuid(0);
    if (!pw) GTEST_SKIP() << "no passwd entry for uid 0";
    const std::string name = pw->pw_name;
    ServiceSpec s = onlyService("services: {a: {command: x, user: 0}}");
    EXPECT_EQ(s.user, "0");  // as written, for display
    EXPECT_EQ(s.account, name);
    EXPECT_EQ(onlyService("services: {a: {command: x, user: " + name + "}}").account, name);
}

TEST(ConfigService, ANamedUserBringsUidPrimaryGroupHomeAndItsGroups) {
    const passwd* pw = ::getpwnam("nobody");
    if (!pw) GTEST_SKIP() << "no user nobody";
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    const std::string home = pw->pw_dir;
    ServiceSpec s = onlyService("services: {a: {command: x, user: nobody}}");
    EXPECT_EQ(s.uid, uid);
    EXPECT_EQ(s.gid, gid);
    EXPECT_EQ(s.home, home);
    ASSERT_FALSE(s.supplementaryGroups.empty());
    EXPECT_EQ(s.supplementaryGroups.front(), gid);
}

TEST(ConfigService, AnExplicitGroupReplacesThePrimaryOne) {
    const group* gr = ::getgrnam("root");
    if (!gr) GTEST_SKIP() << "no group root";
    ServiceSpec s = onlyService("services: {a: {command: x, user: root, group: root}}");
    EXPECT_EQ(s.group, "root");
    EXPECT_EQ(s.gid, 0u);
    ServiceSpec groupOnly = onlyService("services: {a: {command: x, group: root}}");
    EXPECT_FALSE(groupOnly.uid.has_value());
    EXPECT_EQ(groupOnly.gid, 0u);
}

TEST(ConfigService, TheSupervisorSectionSetsDaemonSettings) {
    Config c = loadString(R"(
supervisor:
  state_dir: /run/sv
  log_dir: /var/log/sv
  control_groups: [root]
  limit_warn_percent: 90
  tail_bytes: 128KiB
  log_level: debug
services: {}
)",
                          "s.yaml");
    EXPECT_EQ(c.supervisor.stateDir, "/run/sv");
    EXPECT_EQ(c.supervisor.logDir, "/var/log/sv");
    EXPECT_EQ(c.supervisor.controlGroups, Argv{"root"});
    EXPECT_EQ(c.supervisor.limitWarnPercent, 90u);
    EXPECT_EQ(c.supervisor.tailBytes, 128u * 1024);
    EXPECT_EQ(c.supervisor.logLevel, "debug");
    EXPECT_EQ(c.supervisor.where, (SourceLocation{"s.yaml", 2, 1}));
    EXPECT_TRUE(c.services.empty());
}

TEST(ConfigService, EmptyInputsAreValidAndMeanNothingToRun) {
    for (const char* yaml : {"", "# only a comment\n", "services:\n", "services: {}\n", "---\n"}) {
        Config c = loadString(yaml, "e.yaml");
        EXPECT_TRUE(c.services.empty()) << yaml;
        EXPECT_EQ(c.supervisor, DaemonSettings{}) << yaml;
        EXPECT_EQ(c.files, Argv{"e.yaml"});
    }
}

TEST(ConfigService, ServicesComeOutSortedByName) {
    Config c = loadString(
        "services:\n  zeta: {command: x}\n  alpha: {command: x}\n  mid.dle-1_x: {command: x}\n", "t.yaml");
    ASSERT_EQ(c.services.size(), 3u);
    EXPECT_EQ(c.services[0].name, "alpha");
    EXPECT_EQ(c.services[1].name, "mid.dle-1_x");
    EXPECT_EQ(c.services[2].name, "zeta");
}

TEST(ConfigService, InstanceNamesKeepTheBareNameForOneInstance) {
    ServiceSpec s;
    s.name = "web";
    EXPECT_EQ(s.instanceNames(), Argv{"web"});
    s.numprocs = 3;
    EXPECT_EQ(s.instanceNames(), (Argv{"web@0", "web@1", "web@2"}));
}

TEST(ConfigService, SameExecTellsWhatNeedsARestart) {
    ServiceSpec a;
    a.name = "web";
    a.command = {"/bin/sleep", "1"};
    ServiceSpec b = a;
    b.where = {"other.yaml", 7, 3};
    b.numprocs = 4;
    EXPECT_TRUE(a.sameExec(b));
    // Applied in place: the process keeps running.
    b.stopTimeout = milliseconds(1);
    b.stdoutTarget.maxSize = 1;
    b.stderrTarget.kind = LogTarget::Kind::Journal;
    b.backoff.resetAfter = milliseconds(5);
    b.priority = 7;
    b.restart = RestartMode::Never;
    b.successExitCodes = {0, 3};
    b.startSeconds = milliseconds(0);
    b.startRetries = 9;
    b.stopSignal = SIGINT;
    b.killGroup = false;
    b.autostart = false;
    b.timestamps = true;
    EXPECT_TRUE(a.sameExec(b));
    // What the exec depends on: a restart.
    b = a;
    b.environment["X"] = "1";
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.supplementaryGroups = {5};
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.command = {"/bin/sleep", "2"};
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.directory = "/tmp";
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.umask = 077;
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.stderrTarget.kind = LogTarget::Kind::Stdout;  // fd 2 becomes stdout's pipe
    EXPECT_FALSE(a.sameExec(b));
    b = a;
    b.stderrTarget.kind = LogTarget::Kind::Null;  // fd 2 becomes /dev/null
    EXPECT_FALSE(a.sameExec(b));
}

// `null` is /dev/null in the child, as systemd's StandardOutput=null; readiness by log_line needs the
// lines, so it keeps both pipes whatever the targets say.
TEST(ConfigService, CaptureSaysWhichStreamsHaveAPipe) {
    ServiceSpec s;
    EXPECT_EQ(s.capture(), (StreamCapture{true, true, false}));
    s.stdoutTarget.kind = LogTarget::Kind::Null;
    EXPECT_EQ(s.capture(), (StreamCapture{false, true, false}));
    s.stderrTarget.kind = LogTarget::Kind::Null;
    EXPECT_EQ(s.capture(), (StreamCapture{false, false, false}));
    s.stderrTarget.kind = LogTarget::Kind::Stdout;
    EXPECT_EQ(s.capture(), (StreamCapture{false, false, true})) << "merged into a discarded stdout";
    s.stdoutTarget.kind = LogTarget::Kind::File;
    EXPECT_EQ(s.capture(), (StreamCapture{true, true, true}));
    s.stdoutTarget.kind = LogTarget::Kind::Null;
    s.stderrTarget.kind = LogTarget::Kind::Null;
    s.ready.kind = ProbeKind::LogLine;
    EXPECT_EQ(s.capture(), (StreamCapture{true, true, false}));

    // Between two targets that both have a pipe, a reload switches live; to or from null, it restarts.
    ServiceSpec a;
    a.command = {"/bin/true"};
    ServiceSpec b = a;
    b.stdoutTarget.kind = LogTarget::Kind::Journal;
    EXPECT_TRUE(a.sameExec(b));
    b.stdoutTarget.kind = LogTarget::Kind::Null;
    EXPECT_FALSE(a.sameExec(b));
    a.stdoutTarget.kind = LogTarget::Kind::Null;
    EXPECT_TRUE(a.sameExec(b));
    b.ready.kind = ProbeKind::LogLine;  // now needs the pipe
    EXPECT_FALSE(a.sameExec(b));
}

}  // namespace
}  // namespace sup::config
