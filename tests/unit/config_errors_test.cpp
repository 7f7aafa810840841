// loadString() on broken YAML: every problem reported, each as "FILE:LINE:COL: KEY: MESSAGE".
#include <gtest/gtest.h>

#include <algorithm>

#include "ConfigLoader.h"

namespace sup::config {
namespace {

std::vector<ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        loadString(yaml, "bad.yaml");
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

// The whole error text (one line per issue), or "" when the YAML is accepted.
std::string errorOf(const std::string& yaml) {
    try {
        loadString(yaml, "bad.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// A service with a valid command plus `extra` settings (each line indented under the service).
std::string service(const std::string& extra) {
    return "services:\n  web:\n    command: [/bin/true]\n" + extra;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(ConfigErrors, AnUnknownKeyNamesFileLineColumnKeyAndTheClosestKnownKey) {
    EXPECT_EQ(errorOf(service("    restat: always\n")),
              "bad.yaml:4:5: services.web.restat: unknown key 'restat' (did you mean 'restart'?)");
    EXPECT_EQ(
        errorOf(service("    stop-timeout: 5s\n")),
        "bad.yaml:4:5: services.web.stop-timeout: unknown key 'stop-timeout' (did you mean 'stop_timeout'?)");
    EXPECT_EQ(errorOf(service("    frobnicate: 1\n")),
              "bad.yaml:4:5: services.web.frobnicate: unknown key 'frobnicate'");
    EXPECT_EQ(errorOf(service("    backoff: {inital: 1s}\n")),
              "bad.yaml:4:15: services.web.backoff.inital: unknown key 'inital' (did you mean 'initial'?)");
}

TEST(ConfigErrors, WrongTypesSayWhatWasExpected) {
    struct Case {
        std::string line, key, expected;
    };
    const Case cases[] = {
        {"start_seconds: soon", "services.web.start_seconds", "expected a duration like 10s"},
        {"stop_timeout: [1]", "services.web.stop_timeout", "expected a duration like 10s, got a list"},
        {"numprocs: two", "services.web.numprocs", "expected an integer from 1 to 65535, got 'two'"},
        {"numprocs: 0", "services.web.numprocs", "expected an integer from 1 to 65535, got '0'"},
        {"start_retries: -1", "services.web.start_retries", "expected an integer from 0"},
        {"autostart: maybe", "services.web.autostart", "expected true or false, got 'maybe'"},
        {"kill_group: {a: 1}", "services.web.kill_group", "expected true or false, got a map"},
        {"priority: high", "services.web.priority", "expected an integer"},
        {"success_exit_codes: [0, 256]", "services.web.success_exit_codes[1]", "from 0 to 255, got '256'"},
        {"success_exit_codes: {a: 1}", "services.web.success_exit_codes", "expected a list, got a map"},
        {"environment: [A=1]", "services.web.environment", "expected a map"},
        {"environment: {A: [1]}", "services.web.environment.A", "expected a string value, got a list"},
        {"environment: {A: }", "services.web.environment.A", "has no value"},
        {"environment: {\"A=B\": x}", "services.web.environment.A=B", "without '='"},
        {"backoff: 5s", "services.web.backoff", "expected a map"},
        {"backoff: {max: fast}", "services.web.backoff.max", "expected a duration"},
        {"stop_signal: TREM", "services.web.stop_signal", "got 'TREM' (did you mean 'TERM'?)"},
        {"stop_signal: 99", "services.web.stop_signal", "no signal number 99"},
        {"restart: sometimes", "services.web.restart",
         "expected one of always, on-failure, never, got 'sometimes'"},
        {"restart: on_failure", "services.web.restart", "(did you mean 'on-failure'?)"},
        {"umask: 0999", "services.web.umask", "expected an octal umask"},
        {"umask: 7777", "services.web.umask", "expected an octal umask"},
        {"directory: srv/web", "services.web.directory", "expected an absolute path"},
        {"user: [a]", "services.web.user", "expected a string, got a list"},
        {"stdout: jornal", "services.web.stdout", "(did you mean 'journal'?)"},
        {"stdout: stdout", "services.web.stdout", "'stdout' is only for stderr"},
        {"stdout: /var/log/web.log", "services.web.stdout", "use a map: {file: /var/log/web.log}"},
        {"stderr: [a]", "services.web.stderr", "got a list"},
        {"stdout: {max_size: 1MiB}", "services.web.stdout.file", "missing file"},
        {"stdout: {file: a.log, max_size: big}", "services.web.stdout.max_size", "expected a size like"},
        {"stdout: {file: a.log, backups: -1}", "services.web.stdout.backups", "from 0 to 1000"},
        {"stdout: {file: a.log, rotate: 1}", "services.web.stdout.rotate", "unknown key 'rotate'"},
        {"timestamps: 1s", "services.web.timestamps", "expected true or false"},
        {"stop_timeout: 0s", "services.web.stop_timeout", "must be more than 0"},
    };
    for (const auto& c : cases) {
        auto issues = issuesOf(service("    " + c.line + "\n"));
        ASSERT_EQ(issues.size(), 1u) << c.line << "\n" << errorOf(service("    " + c.line + "\n"));
        EXPECT_EQ(issues[0].key, c.key) << c.line;
        EXPECT_TRUE(has(issues[0].message, c.expected)) << c.line << " -> " << issues[0].message;
        EXPECT_EQ(issues[0].where.file, "bad.yaml");
        EXPECT_EQ(issues[0].where.line, 4) << c.line;
        EXPECT_GE(issues[0].where.column, 5) << c.line;
    }
}

TEST(ConfigErrors, TheLocationIsTheValueForBadValuesAndTheKeyForBadKeys) {
    auto issues = issuesOf(service("    restart: sometimes\n"));
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].where, (SourceLocation{"bad.yaml", 4, 14}));
    issues = issuesOf(service("    restat: always\n"));
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].where, (SourceLocation{"bad.yaml", 4, 5}));
}

TEST(ConfigErrors, DuplicateKeysAreReportedWithTheFirstPlace) {
    EXPECT_EQ(errorOf(service("    restart: never\n    restart: always\n")),
              "bad.yaml:5:5: services.web.restart: duplicate key 'restart' (first at line 4:5)");
    // The same service twice in one file.
    EXPECT_EQ(errorOf("services:\n  a: {command: x}\n  a: {command: y}\n"),
              "bad.yaml:3:3: services.a: duplicate key 'a' (first at line 2:3)");
    EXPECT_EQ(errorOf("services: {}\nservices: {}\n"),
              "bad.yaml:2:1: services: duplicate key 'services' (first at line 1:1)");
    EXPECT_EQ(errorOf(service("    environment:\n      A: 1\n      A: 2\n")),
              "bad.yaml:6:7: services.web.environment.A: duplicate key 'A' (first at line 5:7)");
}

TEST(ConfigErrors, MissingOrEmptyCommands) {
    EXPECT_EQ(errorOf("services:\n  web:\n    directory: /srv\n"),
              "bad.yaml:2:3: services.web.command: missing command "
              "(e.g. command: [\"/usr/bin/app\", \"--port\", \"8080\"])");
    EXPECT_EQ(errorOf("services:\n  web:\n"), "bad.yaml:2:3: services.web: missing command");
    EXPECT_EQ(errorOf("services:\n  web:\n    command: []\n"),
              "bad.yaml:3:14: services.web.command: empty command");
    EXPECT_EQ(errorOf("services:\n  web:\n    command: \"  \"\n"),
              "bad.yaml:3:14: services.web.command: empty command");
    EXPECT_EQ(errorOf("services:\n  web:\n    command:\n"),
              "bad.yaml:3:5: services.web.command: empty command");
    EXPECT_TRUE(
        has(errorOf("services:\n  web:\n    command: [\"\", x]\n"), "the program (first argument) is empty"));
    EXPECT_TRUE(has(errorOf("services:\n  web:\n    command: [a, [b]]\n"),
                    "services.web.command[1]: expected a string argument, got a list"));
    EXPECT_TRUE(has(errorOf("services:\n  web:\n    command: \"a 'b\"\n"),
                    "services.web.command: unterminated ' quote at character 3"));
    EXPECT_TRUE(has(errorOf("services:\n  web: /bin/true\n"),
                    "services.web: expected the service's settings as a map"));
}

TEST(ConfigErrors, UsersAndGroupsMustExist) {
    EXPECT_EQ(errorOf(service("    user: no-such-user-xyz\n")),
              "bad.yaml:4:11: services.web.user: no user 'no-such-user-xyz' on this system");
    EXPECT_EQ(errorOf(service("    group: no-such-group-xyz\n")),
              "bad.yaml:4:12: services.web.group: no group 'no-such-group-xyz' on this system");
}

TEST(ConfigErrors, ServiceNamesUseASmallAlphabetAndLeaveAtForInstances) {
    EXPECT_EQ(errorOf("services:\n  web@1: {command: x}\n"),
              "bad.yaml:2:3: services.web@1: invalid service name 'web@1' ('@' is reserved for instance "
              "names like web@0)");
    EXPECT_TRUE(has(errorOf("services:\n  \"my web\": {command: x}\n"),
                    "invalid service name 'my web' (use letters"));
    EXPECT_TRUE(has(errorOf("services:\n  a/b: {command: x}\n"), "invalid service name 'a/b'"));
    EXPECT_TRUE(has(errorOf("services:\n  \"\": {command: x}\n"), "invalid service name ''"));
    EXPECT_EQ(errorOf("services:\n  A-z_0.9: {command: x}\n"), "");
}

TEST(ConfigErrors, NamesThatMeanSomethingElseToSupctlOrInAPathAreReserved) {
    EXPECT_EQ(errorOf("services:\n  all: {command: x}\n"),
              "bad.yaml:2:3: services.all: invalid service name 'all' ('all' is reserved: 'supctl start all' "
              "means every service)");
    EXPECT_TRUE(
        has(errorOf("services:\n  .: {command: x}\n"), "bad.yaml:2:3: services..: invalid service name '.'"));
    EXPECT_TRUE(
        has(errorOf("services:\n  \"..\": {command: x}\n"), "invalid service name '..' ('.' and '..'"));
    EXPECT_TRUE(
        has(errorOf("services:\n  -web: {command: x}\n"),
            "bad.yaml:2:3: services.-web: invalid service name '-web' (a name may not start with '-'"));
    EXPECT_EQ(errorOf("services:\n  all-web: {command: x}\n  .web: {command: x}\n  web-: {command: x}\n"),
              "");
}

TEST(ConfigErrors, EveryDurationKeyRefusesTheAmbiguousM) {
    for (const char* key : {"start_seconds", "stop_timeout"})
        EXPECT_TRUE(has(errorOf(service(std::string("    ") + key + ": 1M\n")),
                        std::string("bad.yaml:4:") + std::to_string(7 + std::string(key).size()) +
                            ": services.web." + key + ": 'M' is ambiguous"))
            << key;
    for (const char* key : {"initial", "max", "reset_after"})
        EXPECT_TRUE(has(errorOf(service(std::string("    backoff: {") + key + ": 1M}\n")),
                        std::string("services.web.backoff.") + key + ": 'M' is ambiguous"))
            << key;
}

TEST(ConfigErrors, ATabInTheIndentationIsNamedAsSuch) {
    EXPECT_EQ(errorOf("services:\n  web:\n\tcommand: x\n"),
              "bad.yaml:3:1: tab characters are not allowed for indentation (use spaces)");
    EXPECT_EQ(errorOf("services:\n  web:\n    command: x\n  \tpriority: 3\n"),
              "bad.yaml:4:3: tab characters are not allowed for indentation (use spaces)");
    EXPECT_EQ(errorOf("services:\n\tweb: {command: x}\n"),
              "bad.yaml:2:1: tab characters are not allowed for indentation (use spaces)");
    EXPECT_EQ(errorOf("services:\n  web:\n    command: x\n\t\n"),
              "bad.yaml:4:1: tab characters are not allowed for indentation (use spaces)");
    // A syntax error elsewhere is not blamed on a legal tab.
    EXPECT_TRUE(has(errorOf("services:\n  web:\n    command: |\n      \tx\n  db: [\n"),
                    "bad.yaml:6:1: YAML syntax error"));
    // Tabs elsewhere are text: in a quoted value, in a block scalar after its indentation, in a comment.
    EXPECT_EQ(errorOf("services:\n  web:\n    command: \"a\tb\"   # x\ty\n"
                      "    environment:\n      X: |\n        \tindented text\n"),
              "");
}

TEST(ConfigErrors, BackoffInitialMayNotExceedMax) {
    EXPECT_EQ(
        errorOf(service("    backoff: {initial: 10s, max: 5s}\n")),
        "bad.yaml:4:24: services.web.backoff.initial: backoff.initial (10s) is larger than backoff.max (5s)");
    // Only max written, below the default initial (1s): the problem is at max.
    EXPECT_TRUE(has(errorOf(service("    backoff: {max: 500ms}\n")),
                    "services.web.backoff.max: backoff.initial (1s) is larger than backoff.max (500ms)"));
    EXPECT_EQ(errorOf(service("    backoff: {initial: 5s, max: 5s}\n")), "");
}

TEST(ConfigErrors, DurationsAboveTheMaximumAreRefusedWithTheirPlace) {
    // Someone writing "never": 999999d (2738 years) would overflow the daemon's nanosecond clock.
    EXPECT_EQ(errorOf(service("    stop_timeout: 999999d\n")),
              "bad.yaml:4:19: services.web.stop_timeout: duration too large: at most 36500d (100 years); "
              "write 'infinity' for no limit, got '999999d'");
    EXPECT_TRUE(has(errorOf(service("    backoff: {max: 1000000h}\n")),
                    "bad.yaml:4:20: services.web.backoff.max: duration too large"));
    EXPECT_TRUE(has(errorOf(service("    start_seconds: 40000d\n")),
                    "services.web.start_seconds: duration too large"));
    EXPECT_EQ(
        errorOf(service("    stop_timeout: infinity\n    backoff: {max: infinity, reset_after: infinity}\n")),
        "");
}

TEST(ConfigErrors, SeveralInstancesCannotShareOneLogFile) {
    EXPECT_TRUE(has(errorOf(service("    numprocs: 2\n    stdout: {file: /var/log/web.log}\n")),
                    "bad.yaml:5:13: services.web.stdout: numprocs is 2, so each instance needs its own file: "
                    "put {name}"));
    EXPECT_TRUE(has(errorOf(service("    numprocs: 2\n    stderr: {file: web.err}\n")),
                    "services.web.stderr: numprocs is 2"));
    EXPECT_EQ(errorOf(service(
                  "    numprocs: 2\n    stdout: {file: \"/var/log/{name}.log\"}\n    stderr: stdout\n")),
              "");
    EXPECT_EQ(errorOf(service("    stdout: {file: /var/log/web.log}\n")), "");
}

TEST(ConfigErrors, YamlSyntaxErrorsCarryTheParsersPosition) {
    EXPECT_EQ(errorOf("services:\n  web: [\n"),
              "bad.yaml:3:1: YAML syntax error: end of sequence flow not found");
    auto issues = issuesOf("services:\n  web:\n    command: x\n   bad indent: 1\n");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].where.line, 4);
    EXPECT_TRUE(has(issues[0].message, "YAML syntax error"));
}

TEST(ConfigErrors, TheTopLevelIsAMapOfServicesAndSupervisor) {
    EXPECT_EQ(errorOf("- a\n- b\n"),
              "bad.yaml:1:1: the top level must be a map with 'services:' (and optionally 'supervisor:'), "
              "got a list");
    EXPECT_TRUE(has(errorOf("just text\n"), "the top level must be a map"));
    EXPECT_EQ(errorOf("service: {}\n"),
              "bad.yaml:1:1: service: unknown top-level key 'service' (did you mean 'services'?)");
    EXPECT_EQ(
        errorOf("web:\n  command: x\n"),
        "bad.yaml:1:1: web: unknown top-level key 'web' (services go under 'services:', e.g. services: {web: "
        "{command: ...}})");
    EXPECT_TRUE(
        has(errorOf("logging: 1\n"), "(a file holds 'services:' and, in at most one file, 'supervisor:')"));
    EXPECT_TRUE(
        has(errorOf("services: [a]\n"), "services: expected a map of service name to settings, got a list"));
    EXPECT_TRUE(
        has(errorOf("services: {}\n---\nservices: {}\n"), "bad.yaml:3:1: only one YAML document per file"));
}

TEST(ConfigErrors, SupervisorSettingsAreValidated) {
    struct Case {
        std::string line, key, expected;
    };
    const Case cases[] = {
        {"log_level: verbose", "supervisor.log_level",
         "expected one of trace, debug, info, warn, error, critical, off"},
        {"log_level: inf", "supervisor.log_level", "(did you mean 'info'?)"},
        {"limit_warn_percent: 0", "supervisor.limit_warn_percent", "from 1 to 100"},
        {"limit_warn_percent: 101", "supervisor.limit_warn_percent", "from 1 to 100"},
        {"control_groups: [no-such-group-xyz]", "supervisor.control_groups[0]",
         "no group 'no-such-group-xyz'"},
        {"control_groups: root", "supervisor.control_groups", "expected a list"},
        {"state_dir: run/sv", "supervisor.state_dir", "expected an absolute path"},
        {"log_dir: ''", "supervisor.log_dir", "expected an absolute path"},
        {"tail_bytes: 0", "supervisor.tail_bytes", "must be from 1 byte to 1GiB"},
        {"tail_bytes: 2GiB", "supervisor.tail_bytes", "must be from 1 byte to 1GiB"},
        {"tail_bytes: lots", "supervisor.tail_bytes", "expected a size"},
        {"log_levle: info", "supervisor.log_levle", "(did you mean 'log_level'?)"},
    };
    for (const auto& c : cases) {
        auto issues = issuesOf("supervisor:\n  " + c.line + "\n");
        ASSERT_EQ(issues.size(), 1u) << c.line;
        EXPECT_EQ(issues[0].key, c.key) << c.line;
        EXPECT_TRUE(has(issues[0].message, c.expected)) << c.line << " -> " << issues[0].message;
        EXPECT_EQ(issues[0].where.line, 2) << c.line;
    }
    EXPECT_TRUE(has(errorOf("supervisor: 5\n"), "supervisor: expected a map"));
}

TEST(ConfigErrors, EveryProblemIsCollectedInLineOrder) {
    auto issues = issuesOf(R"(services:
  a:
    command: x
    restart: sometimes
    numprocs: 0
  b:
    comand: y
supervisor:
  log_level: loud
)");
    ASSERT_EQ(issues.size(), 5u) << errorOf("");
    EXPECT_EQ(issues[0].key, "services.a.restart");
    EXPECT_EQ(issues[1].key, "services.a.numprocs");
    EXPECT_EQ(issues[2].key, "services.b.command");  // reported at the service name, line 6
    EXPECT_EQ(issues[3].key, "services.b.comand");
    EXPECT_EQ(issues[4].key, "supervisor.log_level");
    for (std::size_t i = 1; i < issues.size(); ++i) EXPECT_LE(issues[i - 1].where.line, issues[i].where.line);
}

TEST(ConfigErrors, TheMessageHasOneLinePerIssue) {
    std::string text =
        errorOf("services:\n  a: {command: x, numprocs: 0}\n  b: {command: y, restart: maybe}\n");
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_TRUE(has(text, "bad.yaml:2:29: services.a.numprocs: "));
    EXPECT_TRUE(has(text, "\nbad.yaml:3:28: services.b.restart: "));
}

TEST(ConfigErrors, FormatIssueLeavesOutWhatIsUnknown) {
    EXPECT_EQ(formatIssue({{"f.yaml", 3, 7}, "services.a", "bad"}), "f.yaml:3:7: services.a: bad");
    EXPECT_EQ(formatIssue({{"f.yaml", 3, 0}, "k", "bad"}), "f.yaml:3: k: bad");
    EXPECT_EQ(formatIssue({{"f.yaml", 0, 0}, "", "cannot read"}), "f.yaml: cannot read");
    EXPECT_EQ(formatIssue({{"", 0, 0}, "", "bare"}), "bare");
    ConfigError e({{{"a", 1, 1}, "x", "one"}, {{"b", 2, 2}, "y", "two"}});
    EXPECT_STREQ(e.what(), "a:1:1: x: one\nb:2:2: y: two");
    EXPECT_EQ(e.issues().size(), 2u);
}

}  // namespace
}  // namespace sup::config
