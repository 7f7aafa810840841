// The D-Bus layer's pieces that need no bus: names, paths, authorization, error mapping, the process
// dictionary and the aggregate tally.
#include <signal.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bus/Arguments.h"
#include "bus/Authorizer.h"
#include "bus/BusErrors.h"
#include "bus/BusNames.h"
#include "bus/ProcessChanges.h"
#include "bus/ProcessDict.h"
#include "bus/ProcessTally.h"

namespace {

using namespace sup;
using namespace sup::bus;

TEST(BusNames, ProcessPathsEscapeLikeSdBus) {
    EXPECT_EQ(processObjectPath("web@0"), "/io/supervisord/process/web_400");
    EXPECT_EQ(processObjectPath("web"), "/io/supervisord/process/web");
    EXPECT_EQ(processObjectPath("my-app.v2"), "/io/supervisord/process/my_2dapp_2ev2");
    EXPECT_EQ(processObjectPath("0day"), "/io/supervisord/process/_30day");  // no leading digit
}

class TableGroups final : public GroupDatabase {
  public:
    std::map<uid_t, std::vector<gid_t>> members;
    std::map<std::string, gid_t> groups;
    std::vector<gid_t> groupsOf(uid_t uid) const override {
        auto it = members.find(uid);
        return it == members.end() ? std::vector<gid_t>{} : it->second;
    }
    std::optional<gid_t> gidOf(const std::string& name) const override {
        if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) return std::stoul(name);
        auto it = groups.find(name);
        return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
    }
};

TEST(Authorizer, RootAndOwnerAlwaysMay) {
    TableGroups db;
    Authorizer auth(db, 1000);
    EXPECT_EQ(auth.refusal(0, {}, "stop web"), std::nullopt);
    EXPECT_EQ(auth.refusal(1000, {}, "stop web"), std::nullopt);
}

TEST(Authorizer, MembersOfAControlGroupMay) {
    TableGroups db;
    db.groups = {{"wheel", 10}, {"ops", 20}};
    db.members[1001] = {1001, 20};
    db.members[1002] = {1002};
    Authorizer auth(db, 0);
    EXPECT_EQ(auth.refusal(1001, {"wheel", "ops"}, "stop web"), std::nullopt);
    EXPECT_EQ(auth.refusal(1002, {"1002"}, "stop web"), std::nullopt);  // a group given by number
    EXPECT_EQ(auth.refusal(1002, {"wheel", "ops"}, "stop web"),
              "uid 1002 may not stop web: not root and not in control_groups (wheel, ops)");
}

TEST(Authorizer, UnknownGroupsAndUsersAreRefused) {
    TableGroups db;
    Authorizer auth(db, 0);
    EXPECT_EQ(auth.refusal(65534, {"wheel"}, "stop web"),
              "uid 65534 may not stop web: not root and not in control_groups (wheel)");
    EXPECT_EQ(auth.refusal(65534, {}, "reload the configuration"),
              "uid 65534 may not reload the configuration: not root and no control_groups are configured");
}

TEST(Authorizer, ReadLevelAdmitsControlAndReadGroupsOnly) {
    TableGroups db;
    db.groups = {{"ops", 20}, {"adm", 4}};
    db.members[1001] = {1001, 20};  // ops, from the database
    Authorizer auth(db, 0);
    const std::vector<std::string> control{"ops"};
    const std::vector<std::string> read{"adm", "systemd-journal"};  // the latter missing here: ignored
    const AccessGroups groups{control, read};
    EXPECT_EQ(auth.refusal(Caller{0, {}}, groups, Access::Read, "read the output of web"), std::nullopt);
    EXPECT_EQ(auth.refusal(Caller{1001, {}}, groups, Access::Read, "read the output of web"), std::nullopt);
    // adm from the connection's credentials only (setpriv --groups), not from the database.
    EXPECT_EQ(auth.refusal(Caller{65534, {65534, 4}}, groups, Access::Read, "read the output of web"),
              std::nullopt);
    EXPECT_EQ(auth.refusal(Caller{65534, {65534, 4}}, groups, Access::Control, "stop web"),
              "uid 65534 may not stop web: not root and not in control_groups (ops)");
    EXPECT_EQ(auth.refusal(Caller{65534, {65534}}, groups, Access::Read, "read the output of web"),
              "uid 65534 may not read the output of web: not root and not in control_groups or read_groups "
              "(ops, adm, systemd-journal)");
    const std::vector<std::string> none;
    EXPECT_EQ(auth.refusal(Caller{65534, {}}, AccessGroups{none, none}, Access::Read, "run doctor"),
              "uid 65534 may not run doctor: not root and no control_groups or read_groups are configured");
}

TEST(Authorizer, SystemDatabaseFindsPrimaryAndSupplementaryGroups) {
    SystemGroupDatabase db;
    auto rootGroups = db.groupsOf(0);
    EXPECT_NE(std::find(rootGroups.begin(), rootGroups.end(), 0u), rootGroups.end());
    EXPECT_EQ(db.gidOf("root"), 0u);
    EXPECT_EQ(db.gidOf("42"), 42u);
    EXPECT_EQ(db.gidOf("no-such-group-here"), std::nullopt);
    EXPECT_TRUE(db.groupsOf(4000000000u).empty());
}

TEST(BusErrors, ControlErrorsKeepTheirKind) {
    auto name = [](std::exception_ptr e) { return toBusError(e).getName(); };
    using K = ControlError::Kind;
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::NoSuchProcess, "x"))),
              "io.supervisord.Error.NoSuchProcess");
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::AlreadyRunning, "x"))),
              "io.supervisord.Error.AlreadyRunning");
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::NotRunning, "x"))),
              "io.supervisord.Error.NotRunning");
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::InvalidConfig, "x"))),
              "io.supervisord.Error.InvalidConfig");
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::InvalidArgument, "x"))),
              "io.supervisord.Error.InvalidArgument");
    EXPECT_EQ(name(std::make_exception_ptr(ControlError(K::Failed, "x"))), "io.supervisord.Error.Failed");
    EXPECT_EQ(name(std::make_exception_ptr(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", "no"))),
              "org.freedesktop.DBus.Error.AccessDenied");
    auto other = toBusError(std::make_exception_ptr(std::runtime_error("disk on fire")));
    EXPECT_EQ(other.getName(), "io.supervisord.Error.Failed");
    EXPECT_EQ(other.getMessage(), "disk on fire");
    EXPECT_EQ(toBusError(std::make_exception_ptr(42)).getName(), "io.supervisord.Error.Failed");
}

TEST(BusErrors, GuardedLetsOnlySdbusErrorsOut) {
    EXPECT_EQ(guarded([] { return 7; }), 7);
    try {
        guarded([]() -> int { throw std::logic_error("bug"); });
        FAIL() << "no exception";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "io.supervisord.Error.Failed");
        EXPECT_EQ(e.getMessage(), "bug");
    }
}

TEST(Arguments, SignalsByNameOrNumber) {
    EXPECT_EQ(signalArgument("HUP"), SIGHUP);
    EXPECT_EQ(signalArgument("SIGHUP"), SIGHUP);
    EXPECT_EQ(signalArgument("1"), SIGHUP);
    EXPECT_EQ(signalArgument("term"), SIGTERM);
    try {
        signalArgument("BOGUS");
        FAIL() << "no exception";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "io.supervisord.Error.InvalidArgument");
        EXPECT_NE(e.getMessage().find("BOGUS"), std::string::npos);
    }
    EXPECT_THROW(signalArgument("0"), sdbus::Error);
}

TEST(Arguments, Streams) {
    EXPECT_EQ(streamArgument("stdout"), OutputStream::Stdout);
    EXPECT_EQ(streamArgument("stderr"), OutputStream::Stderr);
    EXPECT_THROW(streamArgument("STDOUT"), sdbus::Error);
}

ProcessInfo sample() {
    ProcessInfo p;
    p.name = "web@0";
    p.group = "web";
    p.state = ProcessState::Running;
    p.pid = 4242;
    p.restarts = 3;
    p.exitStatus = 137;
    p.lastExit = "signal KILL";
    p.startedAtUsec = 1'700'000'000'000'000;
    p.stateSinceUsec = 1'700'000'000'500'000;
    p.cpuUsec = 12345;
    p.maxRssKiB = 2048;
    p.command = "/usr/bin/web --port 8080";
    p.argv = {"/usr/bin/web", "--port", "8080"};
    p.sourceFile = "/etc/supervisord/web.yaml";
    p.sourceLine = 7;
    p.priority = 100;
    return p;
}

TEST(ProcessDict, HasEveryDocumentedKeyWithItsType) {
    auto d = toProcessDict(sample());
    const std::map<std::string, std::string> expected = {
        {"name", "s"},        {"group", "s"},        {"state", "s"},       {"pid", "u"},
        {"restarts", "u"},    {"exit_status", "i"},  {"last_exit", "s"},   {"spawn_error", "s"},
        {"reason", "s"},      {"started_at", "x"},   {"state_since", "x"}, {"next_start", "x"},
        {"cpu_usec", "t"},    {"max_rss_kib", "x"},  {"command", "s"},     {"argv", "as"},
        {"source_file", "s"}, {"source_line", "i"},  {"priority", "i"},    {"object", "o"},
        {"requires", "as"},   {"wants", "as"},       {"after", "as"},      {"required_by", "as"},
        {"ready_state", "s"}, {"notify_status", "s"}};
    ASSERT_EQ(d.size(), expected.size());
    for (const auto& [key, type] : expected) {
        ASSERT_EQ(d.count(key), 1u) << key;
        EXPECT_EQ(d.at(key).peekValueType(), type) << key;
    }
    EXPECT_EQ(d.at("state").get<std::string>(), "RUNNING");
    EXPECT_EQ(d.at("pid").get<uint32_t>(), 4242u);
    EXPECT_EQ(d.at("exit_status").get<int32_t>(), 137);
    EXPECT_EQ(d.at("started_at").get<int64_t>(), 1'700'000'000'000'000);
    EXPECT_EQ(d.at("object").get<sdbus::ObjectPath>(), "/io/supervisord/process/web_400");
}

TEST(ProcessChanges, ChangedPropertiesNameWhatMoved) {
    ProcessInfo a = sample(), b = sample();
    EXPECT_TRUE(changedProperties(a, b).empty());
    b.state = ProcessState::Stopping;
    b.reason = "stop requested";
    b.stateSinceUsec += 1;
    EXPECT_EQ(changedProperties(a, b), (std::vector<std::string>{"State", "Reason", "StateSince"}));
}

TEST(ProcessChanges, ReadyStateAndNotifyStatusAreSignalledTheDependencyListsAreNot) {
    ProcessInfo a = sample(), b = sample();
    a.readyState = "waiting";
    b.readyState = "ready";
    b.notifyStatus = "serving";  // signalled like systemd's StatusText
    b.requiredBy = {"api"};      // changes only with a reload, read when needed like the definition
    EXPECT_EQ(changedProperties(a, b), (std::vector<std::string>{"ReadyState", "NotifyStatus"}));
}

TEST(ProcessDict, DependencyListsAndTextsAreValidForTheBus) {
    ProcessInfo p = sample();
    p.required = {"db", "bad\xff"};
    p.notifyStatus = "half \xc3";
    auto d = toProcessDict(p);
    EXPECT_EQ(d.at("requires").get<std::vector<std::string>>(),
              (std::vector<std::string>{"db", "bad\xef\xbf\xbd"}));
    EXPECT_EQ(d.at("notify_status").get<std::string>(), "half \xef\xbf\xbd");
}

TEST(ProcessTally, CountsEveryState) {
    ProcessTally t;
    ProcessInfo p = sample();
    EXPECT_TRUE(t.set(p).counts);
    EXPECT_FALSE(t.set(p).counts);  // same state again
    p.name = "db";
    p.state = ProcessState::Fatal;
    t.set(p);
    auto counts = t.countsByState();
    EXPECT_EQ(counts.size(), 7u);
    EXPECT_EQ(counts["RUNNING"], 1u);
    EXPECT_EQ(counts["FATAL"], 1u);
    EXPECT_EQ(counts["STOPPED"], 0u);
    EXPECT_EQ(t.count(), 2u);
    EXPECT_TRUE(t.erase("db"));
    EXPECT_FALSE(t.erase("db"));
    EXPECT_EQ(t.count(), 1u);
}

TEST(ProcessTally, ForkPressureComesFromInstancesWaitingForFork) {
    ProcessTally t;
    ProcessInfo p = sample();
    p.state = ProcessState::Backoff;
    p.reason = "fork: EAGAIN, pids cgroup 3/3; waiting for the limit to clear";
    auto changes = t.set(p);
    EXPECT_TRUE(changes.forkPressure);
    EXPECT_EQ(t.forkPressure(), "fork: EAGAIN, pids cgroup 3/3");
    p.state = ProcessState::Starting;
    p.reason = "";
    EXPECT_TRUE(t.set(p).forkPressure);
    EXPECT_EQ(t.forkPressure(), "");
    p.state = ProcessState::Backoff;
    p.reason = "exited too quickly";  // an ordinary backoff is not fork pressure
    EXPECT_FALSE(t.set(p).forkPressure);
}

}  // namespace
