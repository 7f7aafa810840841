// type, ready, ready_timeout, watchdog, health, requires, wants, after: what they read into, each
// error with its file:line:column and key, and the checks across services (unknown names, cycles).
#include <gtest/gtest.h>

#include <chrono>

#include "ConfigLoader.h"
#include "DependencyGraph.h"

namespace sup::config {
namespace {

using std::chrono::milliseconds;

// The whole error text (one line per issue), or "" when the YAML is accepted.
std::string errorOf(const std::string& yaml) {
    try {
        loadString(yaml, "bad.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string errorOfFiles(const std::vector<TextFileContent>& files) {
    try {
        loadStrings(files);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// A service `web` with a valid command plus `extra` settings (each line indented under the service).
std::string web(const std::string& extra) {
    return "services:\n  web:\n    command: [/bin/true]\n" + extra;
}

ServiceSpec webSpec(const std::string& extra) {
    Config c = loadString(web(extra), "ok.yaml");
    EXPECT_EQ(c.services.size(), 1u);
    return c.services.empty() ? ServiceSpec{} : c.services.front();
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(ConfigDependencies, DefaultsAreTheModelsDefaults) {
    ServiceSpec s = webSpec("");
    EXPECT_EQ(s.type, ServiceType::Simple);
    EXPECT_EQ(s.ready.kind, ProbeKind::Started);
    EXPECT_EQ(s.readyTimeout, milliseconds(90000));
    EXPECT_EQ(s.watchdog, milliseconds(0));
    EXPECT_FALSE(s.health);
    EXPECT_TRUE(s.required.empty());
    EXPECT_TRUE(s.wanted.empty());
    EXPECT_TRUE(s.after.empty());
    EXPECT_EQ(s.restart, RestartMode::Always);
}

TEST(ConfigDependencies, OneshotDefaultsToRestartOnFailureUnlessRestartIsWritten) {
    ServiceSpec s = webSpec("    type: oneshot\n");
    EXPECT_EQ(s.type, ServiceType::Oneshot);
    EXPECT_EQ(s.restart, RestartMode::OnFailure);
    EXPECT_EQ(webSpec("    type: oneshot\n    restart: never\n").restart, RestartMode::Never);
    EXPECT_EQ(webSpec("    restart: on-failure\n    type: simple\n").restart, RestartMode::OnFailure);
}

TEST(ConfigDependencies, OneshotRefusesRestartAlwaysAndReady) {
    EXPECT_EQ(
        errorOf(web("    type: oneshot\n    restart: always\n")),
        "bad.yaml:5:14: services.web.restart: restart: always does not go with type: oneshot (a oneshot "
        "is done when it exits successfully); use on-failure (its default) or never");
    EXPECT_EQ(
        errorOf(web("    type: oneshot\n    ready: notify\n")),
        "bad.yaml:5:5: services.web.ready: ready does not go with type: oneshot: a oneshot is ready when "
        "it exits successfully");
    EXPECT_EQ(errorOf(web("    type: forking\n")),
              "bad.yaml:4:11: services.web.type: expected one of simple, oneshot, got 'forking'");
}

TEST(ConfigDependencies, ReadyWords) {
    EXPECT_EQ(webSpec("    ready: started\n").ready.kind, ProbeKind::Started);
    ServiceSpec s = webSpec("    ready: notify\n");
    EXPECT_EQ(s.ready.kind, ProbeKind::Notify);
    EXPECT_EQ(s.ready.where, (SourceLocation{"ok.yaml", 4, 5}));
    EXPECT_EQ(errorOf(web("    ready: notfy\n")),
              "bad.yaml:4:12: services.web.ready: expected started, notify, or a map with one of tcp, http, "
              "exec, log_line (e.g. ready: {tcp: \"127.0.0.1:6379\"}), got 'notfy' (did you mean 'notify'?)");
    EXPECT_EQ(errorOf(web("    ready: tcp\n")),
              "bad.yaml:4:12: services.web.ready: a tcp check is a map: {tcp: ...}");
}

TEST(ConfigDependencies, ReadyTcp) {
    ServiceSpec s = webSpec("    ready: {tcp: \"127.0.0.1:6379\", interval: 500ms, timeout: 2s}\n");
    EXPECT_EQ(s.ready.kind, ProbeKind::Tcp);
    EXPECT_EQ(s.ready.address, "127.0.0.1:6379");
    EXPECT_EQ(s.ready.interval, milliseconds(500));
    EXPECT_EQ(s.ready.timeout, milliseconds(2000));
    EXPECT_EQ(webSpec("    ready: {tcp: \"[::1]:80\"}\n").ready.address, "[::1]:80");
    EXPECT_EQ(webSpec("    ready: {tcp: \"localhost:65535\"}\n").ready.address, "localhost:65535");
    ServiceSpec d = webSpec("    ready: {tcp: \"localhost:1\"}\n");
    EXPECT_EQ(d.ready.interval, milliseconds(1000));
    EXPECT_EQ(d.ready.timeout, milliseconds(1000));

    const std::string rule =
        "expected HOST:PORT with HOST an IP address (127.0.0.1, [::1]) or localhost and PORT from 1 to 65535";
    EXPECT_EQ(errorOf(web("    ready: {tcp: \"db.example.com:5432\"}\n")),
              "bad.yaml:4:18: services.web.ready.tcp: " + rule +
                  " (host names other than localhost are not looked up: no DNS in the daemon's loop), got "
                  "'db.example.com:5432'");
    for (const char* bad : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "::1:80", "[::1]",
                            "[nope]:80", "256.0.0.1:80", "127.0.0.1:+80"}) {
        std::string e = errorOf(web("    ready: {tcp: \"" + std::string(bad) + "\"}\n"));
        EXPECT_TRUE(has(e, "bad.yaml:4:18: services.web.ready.tcp: " + rule)) << bad << ": " << e;
    }
}

TEST(ConfigDependencies, ReadyHttp) {
    ServiceSpec s = webSpec("    ready: {http: \"http://127.0.0.1:8080/ready\", status: 204}\n");
    EXPECT_EQ(s.ready.kind, ProbeKind::Http);
    EXPECT_EQ(s.ready.url, "http://127.0.0.1:8080/ready");
    EXPECT_EQ(s.ready.httpStatus, 204);
    EXPECT_EQ(webSpec("    ready: {http: \"https://localhost/\"}\n").ready.httpStatus, 200);
    EXPECT_EQ(errorOf(web("    ready: {http: \"ftp://127.0.0.1/\"}\n")),
              "bad.yaml:4:19: services.web.ready.http: expected an http:// or https:// URL (e.g. "
              "http://127.0.0.1:8080/health), got 'ftp://127.0.0.1/'");
    EXPECT_TRUE(has(errorOf(web("    ready: {http: \"http:///x\"}\n")),
                    "bad.yaml:4:19: services.web.ready.http: the URL has no host"));
    EXPECT_EQ(errorOf(web("    ready: {http: \"http://h/\", status: 99}\n")),
              "bad.yaml:4:40: services.web.ready.status: expected an integer from 100 to 599, got '99'");
    EXPECT_EQ(errorOf(web("    ready: {tcp: \"127.0.0.1:1\", status: 200}\n")),
              "bad.yaml:4:33: services.web.ready.status: status is only for an http check");
}

TEST(ConfigDependencies, ReadyExec) {
    ServiceSpec s = webSpec("    ready: {exec: [/bin/check, --quick], timeout: 5s}\n");
    EXPECT_EQ(s.ready.kind, ProbeKind::Exec);
    EXPECT_EQ(s.ready.argv, (std::vector<std::string>{"/bin/check", "--quick"}));
    EXPECT_EQ(s.ready.timeout, milliseconds(5000));
    EXPECT_EQ(errorOf(web("    ready: {exec: []}\n")),
              "bad.yaml:4:19: services.web.ready.exec: empty command");
}

TEST(ConfigDependencies, ReadyLogLine) {
    ServiceSpec s = webSpec("    ready: {log_line: \"listening on port [0-9]+\"}\n");
    EXPECT_EQ(s.ready.kind, ProbeKind::LogLine);
    EXPECT_EQ(s.ready.pattern, "listening on port [0-9]+");
    std::string e = errorOf(web("    ready: {log_line: \"(unclosed\"}\n"));
    EXPECT_TRUE(has(e,
                    "bad.yaml:4:23: services.web.ready.log_line: invalid regular expression '(unclosed' "
                    "(ECMAScript syntax): "))
        << e;
    EXPECT_EQ(
        errorOf(web("    ready: {log_line: \"" + std::string(1025, 'a') + "\"}\n")),
        "bad.yaml:4:23: services.web.ready.log_line: the regular expression is 1025 bytes; at most 1024 "
        "are accepted");
    EXPECT_EQ(webSpec("    ready: {log_line: \"" + std::string(1024, 'a') + "\"}\n").ready.pattern.size(),
              1024u);
    // Numbers std::regex would overflow on (found by the config fuzzer): refused before it sees them.
    EXPECT_EQ(errorOf(web("    ready: {log_line: '(a)\\44444444444444444444'}\n")),
              "bad.yaml:4:23: services.web.ready.log_line: the regular expression has a back-reference or "
              "repetition count that is too large (\\4444444444444444444...); at most 9 digits");
    EXPECT_TRUE(has(errorOf(web("    ready: {log_line: 'a{3,12345678901}'}\n")), "(12345678901)"));
    EXPECT_EQ(webSpec("    ready: {log_line: '(a)\\1 b{2,99} [{1234567890}] 12345678901'}\n").ready.pattern,
              "(a)\\1 b{2,99} [{1234567890}] 12345678901");  // long numbers as text, in brackets: fine
    // Nine digits pass this check and meet std::regex's own (no group 123456789).
    EXPECT_TRUE(has(errorOf(web("    ready: {log_line: '(a)\\123456789'}\n")), "invalid regular expression"));
    EXPECT_EQ(errorOf(web("    ready: {log_line: up, interval: 1s}\n")),
              "bad.yaml:4:27: services.web.ready.interval: interval does not apply to log_line (each output "
              "line is checked as it comes)");
}

TEST(ConfigDependencies, ReadyMapNeedsExactlyOneCheck) {
    EXPECT_EQ(errorOf(web("    ready: {tcp: \"127.0.0.1:1\", http: \"http://h/\"}\n")),
              "bad.yaml:4:33: services.web.ready.http: a check has exactly one of tcp, http, exec, log_line; "
              "'tcp' is already set");
    EXPECT_EQ(errorOf(web("    ready: {interval: 1s}\n")),
              "bad.yaml:4:5: services.web.ready: missing the check: one of tcp, http, exec, log_line (e.g. "
              "ready: {tcp: \"127.0.0.1:6379\"})");
    EXPECT_EQ(errorOf(web("    ready: {tpc: \"127.0.0.1:1\"}\n")),
              "bad.yaml:4:5: services.web.ready: missing the check: one of tcp, http, exec, log_line (e.g. "
              "ready: {tcp: \"127.0.0.1:6379\"})\n"
              "bad.yaml:4:13: services.web.ready.tpc: unknown key 'tpc' (did you mean 'tcp'?)");
    EXPECT_EQ(errorOf(web("    ready: {tcp: \"127.0.0.1:1\", failures: 2}\n")),
              "bad.yaml:4:33: services.web.ready.failures: unknown key 'failures'");
    EXPECT_EQ(errorOf(web("    ready: {tcp: \"127.0.0.1:1\", timeout: 0s}\n")),
              "bad.yaml:4:42: services.web.ready.timeout: must be more than 0, got '0s'");
}

TEST(ConfigDependencies, ReadyTimeoutAndWatchdog) {
    ServiceSpec s = webSpec("    ready: notify\n    ready_timeout: 2m\n    watchdog: 30s\n");
    EXPECT_EQ(s.readyTimeout, milliseconds(120000));
    EXPECT_EQ(s.watchdog, milliseconds(30000));
    EXPECT_EQ(webSpec("    ready_timeout: infinity\n").readyTimeout, kMaxDuration);
    EXPECT_EQ(webSpec("    watchdog: 0\n").watchdog, milliseconds(0));
    EXPECT_EQ(
        errorOf(web("    ready_timeout: 0\n")),
        "bad.yaml:4:20: services.web.ready_timeout: must be more than 0 (use infinity to wait for ever)");
    EXPECT_TRUE(
        has(errorOf(web("    ready_timeout: soon\n")), "bad.yaml:4:20: services.web.ready_timeout: "));
    EXPECT_EQ(
        errorOf(web("    watchdog: 10s\n")),
        "bad.yaml:4:5: services.web.watchdog: watchdog needs ready: notify (the service sends WATCHDOG=1 "
        "on its $NOTIFY_SOCKET)");
    EXPECT_EQ(
        errorOf(web("    ready: {tcp: \"127.0.0.1:1\"}\n    watchdog: 10s\n")),
        "bad.yaml:5:5: services.web.watchdog: watchdog needs ready: notify (the service sends WATCHDOG=1 "
        "on its $NOTIFY_SOCKET)");
}

TEST(ConfigDependencies, Health) {
    ServiceSpec s = webSpec("    health: {http: \"http://127.0.0.1:8080/health\"}\n");
    ASSERT_TRUE(s.health);
    EXPECT_EQ(s.health->kind, ProbeKind::Http);
    EXPECT_EQ(s.health->interval, milliseconds(10000));
    EXPECT_EQ(s.health->timeout, milliseconds(2000));
    EXPECT_EQ(s.health->failures, 3u);
    EXPECT_EQ(s.health->where, (SourceLocation{"ok.yaml", 4, 5}));
    ServiceSpec t = webSpec(
        "    health:\n      tcp: \"127.0.0.1:6379\"\n      interval: 5s\n      timeout: 1s\n"
        "      failures: 1\n");
    EXPECT_EQ(t.health->kind, ProbeKind::Tcp);
    EXPECT_EQ(t.health->interval, milliseconds(5000));
    EXPECT_EQ(t.health->timeout, milliseconds(1000));
    EXPECT_EQ(t.health->failures, 1u);
    EXPECT_EQ(webSpec("    health: {exec: /bin/check}\n").health->argv,
              std::vector<std::string>{"/bin/check"});

    EXPECT_EQ(errorOf(web("    health: {log_line: up}\n")),
              "bad.yaml:4:14: services.web.health.log_line: log_line is a readiness check only (use it under "
              "ready:); health accepts tcp, http, exec");
    EXPECT_EQ(errorOf(web("    health: {tcp: \"127.0.0.1:1\", failures: 0}\n")),
              "bad.yaml:4:44: services.web.health.failures: expected an integer from 1 to 1000, got '0'");
    EXPECT_EQ(errorOf(web("    health: notify\n")),
              "bad.yaml:4:13: services.web.health: expected a map with one of tcp, http, exec (e.g. health: "
              "{http: \"http://127.0.0.1:8080/health\", interval: 10s}), got 'notify'");
}

TEST(ConfigDependencies, DependencyListsReadNamesWithTheirPlace) {
    Config c = loadString(R"(services:
  api:
    command: [/bin/true]
    requires: [db, cache@1]
    wants: metrics
    after:
      - migrate
  db: {command: [/bin/true]}
  cache: {command: [/bin/true], numprocs: 2}
  metrics: {command: [/bin/true]}
  migrate: {command: [/bin/true], type: oneshot}
)",
                          "ok.yaml");
    const ServiceSpec& api = c.services.front();
    ASSERT_EQ(api.name, "api");
    EXPECT_EQ(api.required,
              (std::vector<DependencyRef>{{"db", {"ok.yaml", 4, 16}}, {"cache@1", {"ok.yaml", 4, 20}}}));
    EXPECT_EQ(api.wanted, (std::vector<DependencyRef>{{"metrics", {"ok.yaml", 5, 12}}}));
    EXPECT_EQ(api.after, (std::vector<DependencyRef>{{"migrate", {"ok.yaml", 7, 9}}}));
}

TEST(ConfigDependencies, DependencyNameForms) {
    EXPECT_EQ(splitDependencyName("db"), (DependencyTarget{"db", std::nullopt}));
    EXPECT_EQ(splitDependencyName("db@12"), (DependencyTarget{"db", 12u}));
    for (const char* bad : {"", "db@", "db@01", "db@-1", "db@x", "@1", "a b", "db@1@2", "all"})
        EXPECT_FALSE(splitDependencyName(bad)) << bad;
    EXPECT_EQ(
        errorOf(web("    requires: [\"db@x\"]\n")),
        "bad.yaml:4:16: services.web.requires[0]: invalid name 'db@x': expected a service name (db) or an "
        "instance name (db@0)");
    EXPECT_EQ(
        errorOf(web("    after: [{db: 1}]\n")),
        "bad.yaml:4:13: services.web.after[0]: expected a service name (db) or an instance name (db@0), got "
        "a map");
    EXPECT_TRUE(webSpec("    requires:\n    after: []\n").required.empty());
    EXPECT_EQ(errorOf(web("    wants: {db: 1}\n")),
              "bad.yaml:4:12: services.web.wants: expected a list, got a map");
}

TEST(ConfigDependencies, UnknownNamesSelfReferencesAndInstanceRanges) {
    const std::string e = errorOf(R"(services:
  api:
    command: [/bin/true]
    requires: [db, dbb, api@0]
    wants: [api]
    after: [cache@2, db@0]
  db: {command: [/bin/true]}
  cache: {command: [/bin/true], numprocs: 2}
)");
    EXPECT_EQ(
        e,
        "bad.yaml:4:20: services.api.requires[1]: unknown service 'dbb' (did you mean 'db'?)\n"
        "bad.yaml:4:25: services.api.requires[2]: 'api@0' is this service itself; a service cannot wait "
        "for itself\n"
        "bad.yaml:5:13: services.api.wants[0]: 'api' is this service itself; a service cannot want itself\n"
        "bad.yaml:6:13: services.api.after[0]: 'cache' has 2 instances, cache@0 to cache@1 (not "
        "'cache@2')\n"
        "bad.yaml:6:22: services.api.after[1]: 'db' has one instance, named 'db' (not 'db@0')");
}

TEST(ConfigDependencies, ATwoCycleAcrossFilesIsReportedOnceWithEveryEdge) {
    EXPECT_EQ(errorOfFiles({{"a.yaml", "services:\n  api:\n    command: [/bin/true]\n    requires: [db]\n"},
                            {"b.yaml", "services:\n  db:\n    command: [/bin/true]\n    requires: [api]\n"}}),
              "a.yaml:4:16: services.api.requires: dependency cycle: api -> db (a.yaml:4:16) -> api "
              "(b.yaml:4:16)");
}

TEST(ConfigDependencies, AThreeCycleThroughAfterAndInstances) {
    EXPECT_EQ(
        errorOf(R"(services:
  a: {command: [/bin/true], after: [b]}
  b: {command: [/bin/true], requires: [c@1], numprocs: 2}
  c: {command: [/bin/true], after: [x, a], numprocs: 3}
  x: {command: [/bin/true], wants: [c]}
)"),
        "bad.yaml:2:37: services.a.after: dependency cycle: a -> b (bad.yaml:2:37) -> c (bad.yaml:3:40) -> a "
        "(bad.yaml:4:40)");
}

TEST(ConfigDependencies, WantsAloneMakesNoCycle) {
    EXPECT_EQ(errorOf(R"(services:
  a: {command: [/bin/true], wants: [b]}
  b: {command: [/bin/true], requires: [a]}
)"),
              "");
}

TEST(ConfigDependencies, TwoSeparateCyclesAreTwoErrors) {
    const std::string e = errorOf(R"(services:
  a: {command: [/bin/true], after: [b]}
  b: {command: [/bin/true], after: [a, c]}
  c: {command: [/bin/true], requires: [d]}
  d: {command: [/bin/true], requires: [c]}
)");
    EXPECT_EQ(
        e,
        "bad.yaml:2:37: services.a.after: dependency cycle: a -> b (bad.yaml:2:37) -> a (bad.yaml:3:37)\n"
        "bad.yaml:4:40: services.c.requires: dependency cycle: c -> d (bad.yaml:4:40) -> c (bad.yaml:5:40)");
}

// 10,000 services in one chain: s0 requires s1 requires ... (or, closed, a cycle of 10,000). Neither may
// recurse 10,000 deep.
std::string chain(int n, bool closed) {
    std::string yaml = "services:\n";
    for (int i = 0; i < n; ++i) {
        yaml += "  s" + std::to_string(i) + ": {command: [/bin/true]";
        if (i + 1 < n || closed) yaml += ", requires: [s" + std::to_string((i + 1) % n) + "]";
        yaml += "}\n";
    }
    return yaml;
}

TEST(ConfigDependencies, ALongChainIsAcceptedQuickly) {
    const auto begin = std::chrono::steady_clock::now();
    Config c = loadString(chain(10000, false), "chain.yaml");
    EXPECT_EQ(c.services.size(), 10000u);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(20));  // ASan build
}

TEST(ConfigDependencies, ALongCycleIsReportedOnce) {
    const std::string e = errorOf(chain(10000, true));
    ASSERT_EQ(std::count(e.begin(), e.end(), '\n'), 0);  // one issue
    EXPECT_TRUE(
        e.starts_with("bad.yaml:2:41: services.s0.requires: dependency cycle: s0 -> s1 (bad.yaml:2:41) -> "
                      "s2 (bad.yaml:3:41)"))
        << e.substr(0, 200);
    EXPECT_TRUE(e.ends_with(" -> s0 (bad.yaml:10001:44)")) << e.substr(e.size() - 200);
    EXPECT_EQ(std::count(e.begin(), e.end(), '>'), 10000);
}

}  // namespace
}  // namespace sup::config
