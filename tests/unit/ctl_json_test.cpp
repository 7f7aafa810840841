// supctl --json shapes: stable keys, always present, the types scripts expect.
#include <limits>

#include <gtest/gtest.h>

#include "ctl/JsonOutput.h"

using namespace sup::ctl;

namespace {

TEST(CtlJson, StatusIsAnArrayOfObjectsWithEveryKey) {
    ProcessRecord p;
    p.name = "web@0";
    p.group = "web";
    p.state = "RUNNING";
    p.pid = 4242;
    p.restarts = 2;
    p.exitStatus = -1;
    p.spawnError = "";
    p.command = "/bin/sleep 100";
    p.argv = {"/bin/sleep", "100"};
    p.startedAtUsec = 1'700'000'000'000'000;
    p.maxRssKiB = 1024;
    auto j = nlohmann::json::parse(dumpLine(processListJson({p, ProcessRecord{}})));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 2u);
    const std::vector<std::string> keys = {
        "name",      "group",       "state",   "pid",         "restarts",    "exit_status",
        "last_exit", "spawn_error", "reason",  "started_at",  "state_since", "next_start",
        "cpu_usec",  "max_rss_kib", "command", "source_file", "source_line", "priority",
        "requires",  "wants",       "after",   "required_by", "ready_state", "notify_status"};
    for (auto& obj : j) {
        EXPECT_EQ(obj.size(), keys.size()) << obj.dump();
        for (auto& k : keys) EXPECT_TRUE(obj.contains(k)) << k;
    }
    EXPECT_EQ(j[0]["name"], "web@0");
    EXPECT_EQ(j[0]["state"], "RUNNING");
    EXPECT_TRUE(j[0]["pid"].is_number_integer());
    EXPECT_EQ(j[0]["pid"], 4242);
    EXPECT_EQ(j[0]["restarts"], 2);
    EXPECT_EQ(j[0]["exit_status"], -1);
    EXPECT_EQ(j[0]["started_at"], 1'700'000'000'000'000);
    EXPECT_TRUE(j[0]["spawn_error"].is_string());
    EXPECT_TRUE(j[1]["requires"].is_array());
}

TEST(CtlJson, DependenciesAndReadinessAreListedAsWritten) {
    ProcessRecord p;
    p.required = {"db", "migrate"};
    p.wanted = {"cache"};
    p.after = {"logger@0"};
    p.requiredBy = {"web@0", "web@1"};
    p.readyState = "waiting";
    p.notifyStatus = "loading 3/10";
    auto j = processJson(p);
    EXPECT_EQ(j["requires"], Json::array({"db", "migrate"}));
    EXPECT_EQ(j["wants"], Json::array({"cache"}));
    EXPECT_EQ(j["after"], Json::array({"logger@0"}));
    EXPECT_EQ(j["required_by"], Json::array({"web@0", "web@1"}));
    EXPECT_EQ(j["ready_state"], "waiting");
    EXPECT_EQ(j["notify_status"], "loading 3/10");
}

TEST(CtlJson, CommandKeepsArgumentBoundaries) {
    ProcessRecord p;
    p.command = "/bin/echo 'a b' c";
    p.argv = {"/bin/echo", "a b", "c"};
    auto j = processJson(p);
    ASSERT_TRUE(j["command"].is_array()) << j.dump();
    EXPECT_EQ(j["command"], Json::array({"/bin/echo", "a b", "c"}));
    // An older daemon sends only the joined text: still an array.
    ProcessRecord old;
    old.command = "/bin/true";
    EXPECT_EQ(processJson(old)["command"], Json::array({"/bin/true"}));
    EXPECT_EQ(processJson(ProcessRecord{})["command"], Json::array());
}

TEST(CtlJson, KeysComeInTheDocumentedOrder) {
    auto line = dumpLine(processJson(ProcessRecord{}));
    EXPECT_EQ(line.rfind("{\"name\":", 0), 0u) << line;
    EXPECT_LT(line.find("\"state\""), line.find("\"pid\""));
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
}

TEST(CtlJson, AnEmptyListIsAnEmptyArray) {
    EXPECT_EQ(dumpLine(processListJson({})), "[]\n");
}

TEST(CtlJson, InvalidUtf8IsReplacedNotFatal) {
    ProcessRecord p;
    p.reason = "bad \xff byte";
    EXPECT_NO_THROW(dumpLine(processJson(p)));
}

TEST(CtlJson, LimitsCarryEveryDimensionWithFlags) {
    LimitsReading r;
    r.warnPercent = 80;
    r.bindingId = "pid-max";
    LimitDimension d;
    d.id = "pid-max";
    d.title = "kernel.pid_max";
    d.used = 95;
    d.limit = 100;
    d.percent = 95;
    d.top = {{"sleep", 60}};
    LimitDimension n;
    n.id = "nofile";
    n.used = 5;
    n.limit = 1024;
    n.percent = 0.5;
    r.dimensions = {d, n};
    auto j = nlohmann::json::parse(dumpLine(limitsJson(r)));
    EXPECT_EQ(j["warn_percent"], 80);
    EXPECT_EQ(j["binding"], "pid-max");
    ASSERT_EQ(j["dimensions"].size(), 2u);
    auto& first = j["dimensions"][0];
    EXPECT_EQ(first["id"], "pid-max");
    EXPECT_EQ(first["used"], 95);
    EXPECT_EQ(first["limit"], 100);
    EXPECT_TRUE(first["warn"].get<bool>());
    EXPECT_TRUE(first["binding"].get<bool>());
    EXPECT_EQ(first["top"][0]["command"], "sleep");
    EXPECT_EQ(first["top"][0]["count"], 60);
    for (auto* k :
         {"id", "title", "used", "limit", "percent", "hit_count", "source", "note", "warn", "binding", "top"})
        EXPECT_TRUE(j["dimensions"][1].contains(k)) << k;
    EXPECT_FALSE(j["dimensions"][1]["warn"].get<bool>());
}

TEST(CtlJson, ReloadFindingsAndDaemon) {
    auto reload = nlohmann::json::parse(dumpLine(reloadJson({{"a"}, {}, {"b", "c"}})));
    EXPECT_EQ(reload["added"], nlohmann::json::array({"a"}));
    EXPECT_TRUE(reload["removed"].is_array());
    EXPECT_EQ(reload["changed"].size(), 2u);

    auto findings = nlohmann::json::parse(dumpLine(findingsJson({{"web", "warning", "w", "f"}})));
    ASSERT_TRUE(findings.is_array());
    EXPECT_EQ(findings[0]["name"], "web");
    EXPECT_EQ(findings[0]["severity"], "warning");
    EXPECT_EQ(findings[0]["fix"], "f");

    DaemonInfo d;
    d.version = "1.2";
    d.stateCounts = {{"RUNNING", 2}};
    auto daemon = nlohmann::json::parse(dumpLine(daemonJson(d)));
    EXPECT_EQ(daemon["version"], "1.2");
    EXPECT_EQ(daemon["state_counts"]["RUNNING"], 2);
}

TEST(CtlJson, DoctorHasEveryKeyInEveryCase) {
    auto empty = nlohmann::json::parse(dumpLine(doctorJson({}, {}, {}, "")));
    for (auto* key : {"checked", "not_running", "findings"}) {
        ASSERT_TRUE(empty.contains(key)) << key;
        EXPECT_TRUE(empty[key].is_array()) << key << " is " << empty[key].dump();
        EXPECT_TRUE(empty[key].empty()) << key;
    }
    EXPECT_EQ(empty["error"], "");
    auto failed = nlohmann::json::parse(dumpLine(doctorJson({}, {}, {}, "cannot reach supervisord")));
    EXPECT_EQ(failed["error"], "cannot reach supervisord");
    EXPECT_TRUE(failed["findings"].is_array());
    auto some = nlohmann::json::parse(dumpLine(doctorJson({"a"}, {"b"}, {{"a", "error", "w", "f"}}, "")));
    EXPECT_EQ(some["checked"], nlohmann::json::array({"a"}));
    EXPECT_EQ(some["not_running"], nlohmann::json::array({"b"}));
    EXPECT_EQ(some["findings"][0]["severity"], "error");
}

}  // namespace

namespace {

// Every kind of value the status line carries, at its edges: escapes, control bytes, non-ASCII text
// valid and not, integer extremes, empty and filled lists, an older daemon's joined command.
std::vector<ProcessRecord> awkwardRecords() {
    ProcessRecord a;
    a.name = "web@0";
    a.group = "web";
    a.state = "RUNNING";
    a.pid = 4242;
    a.restarts = 4294967295u;
    a.lastExit = "signal KILL";
    a.spawnError = "quote \" backslash \\ slash / tab \t newline \n cr \r bs \b ff \f";
    a.reason = std::string("ctl \x01\x1f del \x7f nul ") + '\0' + " end";
    a.startedAtUsec = std::numeric_limits<std::int64_t>::min();
    a.stateSinceUsec = std::numeric_limits<std::int64_t>::max();
    a.cpuUsec = std::numeric_limits<std::uint64_t>::max();
    a.maxRssKiB = -5;
    a.command = "ignored when argv is set";
    a.argv = {"/bin/echo", "a b", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"};
    a.sourceFile = "/etc/sup/\xff\xfe.yaml";
    a.sourceLine = -7;
    a.priority = std::numeric_limits<std::int32_t>::min();
    a.required = {"db", "cache@1"};
    a.after = {"\xe2\x82 cut", "\xc3", "over\xf0\x9f\x98"};
    a.requiredBy = {"x"};
    a.readyState = "waiting";
    a.notifyStatus = "loading 3/10 \xed\xa0\x80 surrogate \xc0\xaf overlong";
    ProcessRecord old;
    old.command = "/bin/true --flag";
    return {a, old, ProcessRecord{}};
}

TEST(CtlJson, TheStatusLineIsTheTreeDumpedByteForByte) {
    const auto records = awkwardRecords();
    EXPECT_EQ(processListLine(records), dumpLine(processListJson(records)));
    EXPECT_EQ(processListLine({}), "[]\n");
    for (const auto& r : records) EXPECT_EQ(processListLine({r}), dumpLine(processListJson({r})));
}

// The exact bytes scripts see for one instance: keys, order, types, escapes.
TEST(CtlJson, TheStatusLineIsPinned) {
    ProcessRecord p;
    p.name = "db@1";
    p.group = "db";
    p.state = "BACKOFF";
    p.pid = 0;
    p.restarts = 3;
    p.exitStatus = 2;
    p.lastExit = "exit 2";
    p.reason = "said \"no\"\n";
    p.stateSinceUsec = 1'700'000'000'000'000;
    p.nextStartUsec = 1'700'000'002'000'000;
    p.cpuUsec = 1500;
    p.maxRssKiB = 2048;
    p.argv = {"/usr/bin/db", "--port", "5432"};
    p.sourceFile = "/etc/supervisord/db.yaml";
    p.sourceLine = 4;
    p.priority = -1;
    p.wanted = {"cache"};
    p.requiredBy = {"web@0"};
    p.notifyStatus = "caf\xc3\xa9";
    const std::string expected =
        R"([{"name":"db@1","group":"db","state":"BACKOFF","pid":0,"restarts":3,"exit_status":2,)"
        R"("last_exit":"exit 2","spawn_error":"","reason":"said \"no\"\n","started_at":0,)"
        R"("state_since":1700000000000000,"next_start":1700000002000000,"cpu_usec":1500,"max_rss_kib":2048,)"
        R"("command":["/usr/bin/db","--port","5432"],"source_file":"/etc/supervisord/db.yaml","source_line":4,)"
        R"("priority":-1,"requires":[],"wants":["cache"],"after":[],"required_by":["web@0"],"ready_state":"",)"
        "\"notify_status\":\"caf\xc3\xa9\"}]\n";
    EXPECT_EQ(processListLine({p}), expected);
    EXPECT_EQ(dumpLine(processListJson({p})), expected);
}

}  // namespace
