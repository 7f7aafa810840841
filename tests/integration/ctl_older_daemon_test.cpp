// supctl against a daemon from before ListProcessRows: a stand-in on a private bus serves only
// ListProcesses, Match and GetProcess (sd-bus answers UnknownMethod for the member it lacks, as an older
// supervisord does). supctl must fall back to ListProcesses and print the same status.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "integration/Harness.h"

using namespace sup::test;

namespace {

using Dict = std::map<std::string, sdbus::Variant>;

Dict olderProcess(const std::string& name, const std::string& state, std::uint32_t pid) {
    return {{"name", sdbus::Variant(name)},
            {"group", sdbus::Variant(std::string("web"))},
            {"state", sdbus::Variant(state)},
            {"pid", sdbus::Variant(pid)},
            {"restarts", sdbus::Variant(std::uint32_t{1})},
            {"exit_status", sdbus::Variant(std::int32_t{-1})},
            {"reason", sdbus::Variant(std::string("up for start_seconds"))},
            {"state_since", sdbus::Variant(std::int64_t{1'700'000'000'000'000})},
            {"command", sdbus::Variant(std::string("/bin/sleep 1000"))},
            {"argv", sdbus::Variant(std::vector<std::string>{"/bin/sleep", "1000"})},
            {"source_file", sdbus::Variant(std::string("/etc/supervisord/web.yaml"))},
            {"source_line", sdbus::Variant(std::int32_t{2})},
            {"object",
             sdbus::Variant(sdbus::ObjectPath("/io/supervisord/process/" + name.substr(0, 3) + "_400"))}};
}

constexpr const char* kManager = "io.supervisord.Manager1";
constexpr const char* kNoSuchProcess = "io.supervisord.Error.NoSuchProcess";

// What the stand-in serves besides ListProcesses and Match.
enum class Lookup { GetProcess, None };

// The Manager1 of an older supervisord, reduced to ListProcesses, Match (over the names and the group
// "web") and, unless told otherwise, GetProcess. It counts the calls.
class OlderDaemon {
  public:
    explicit OlderDaemon(const std::string& address, Lookup lookup = Lookup::GetProcess)
        : connection_(sdbus::createSessionBusConnectionWithAddress(address)),
          object_(sdbus::createObject(*connection_, "/io/supervisord")) {
        object_->registerMethod("ListProcesses").onInterface(kManager).implementedAs([this] {
            ++listCalls;
            return std::vector<Dict>{process("web@0"), process("web@1")};
        });
        object_->registerMethod("Match").onInterface(kManager).implementedAs(
            [](const std::vector<std::string>& patterns) {
                std::vector<std::string> names;
                for (const auto& pattern : patterns) {
                    bool any = false;
                    for (const std::string name : {"web@0", "web@1"}) {
                        if (pattern != "all" && pattern != "web" && pattern != name) continue;
                        any = true;
                        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
                    }
                    if (!any) throw sdbus::Error(kNoSuchProcess, "no process matches '" + pattern + "'");
                }
                return names;
            });
        if (lookup == Lookup::GetProcess)
            object_->registerMethod("GetProcess")
                .onInterface(kManager)
                .implementedAs([this](const std::string& name) {
                    ++getCalls;
                    if (name != "web@0" && name != "web@1")
                        throw sdbus::Error(kNoSuchProcess, "no such process: " + name);
                    return process(name);
                });
        object_->finishRegistration();
        connection_->requestName("io.supervisord");
        connection_->enterEventLoopAsync();
    }
    ~OlderDaemon() { connection_->leaveEventLoop(); }
    OlderDaemon(const OlderDaemon&) = delete;
    OlderDaemon& operator=(const OlderDaemon&) = delete;

    std::atomic<int> listCalls{0};
    std::atomic<int> getCalls{0};

  private:
    static Dict process(const std::string& name) {
        return name == "web@0" ? olderProcess(name, "RUNNING", 4242) : olderProcess(name, "STOPPED", 0);
    }

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IObject> object_;
};

// The JSON object supctl prints for a process of the stand-in.
std::string processJson(const std::string& name, const std::string& state, const std::string& pid) {
    return R"({"name":")" + name + R"(","group":"web","state":")" + state + R"(","pid":)" + pid +
           R"(,"restarts":1,"exit_status":-1,"last_exit":"","spawn_error":"","reason":"up for start_seconds",)"
           R"("started_at":0,"state_since":1700000000000000,"next_start":0,"cpu_usec":0,"max_rss_kib":0,)"
           R"("command":["/bin/sleep","1000"],"source_file":"/etc/supervisord/web.yaml","source_line":2,"priority":0,)"
           R"("requires":[],"wants":[],"after":[],"required_by":[],"ready_state":"","notify_status":""})";
}

TEST(CtlOlderDaemon, StatusFallsBackToListProcesses) {
    TestBus bus;
    OlderDaemon older(bus.address());
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};

    auto r = runCommand({SUPCTL_BIN, "--json", "status"}, env);
    ASSERT_EQ(r.exitCode, 3) << r.err;  // an instance is not running, as `systemctl status` says
    EXPECT_EQ(r.out, "[" + processJson("web@0", "RUNNING", "4242") + "," +
                         processJson("web@1", "STOPPED", "0") + "]\n");
    EXPECT_EQ(r.err, "");

    auto table = runCommand({SUPCTL_BIN, "status"}, env);
    EXPECT_EQ(table.exitCode, 3) << table.err;
    EXPECT_NE(table.out.find("web@0"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("4242"), std::string::npos) << table.out;
    EXPECT_GE(older.listCalls.load(), 2);
}

// `status NAME` asks for the instances Match names, one by one, and not for the whole list.
TEST(CtlOlderDaemon, StatusOfAnInstanceAsksOnlyForIt) {
    TestBus bus;
    OlderDaemon older(bus.address());
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};

    auto r = runCommand({SUPCTL_BIN, "--json", "status", "web@1"}, env);
    EXPECT_EQ(r.exitCode, 3) << r.err;
    EXPECT_EQ(r.out, "[" + processJson("web@1", "STOPPED", "0") + "]\n");
    EXPECT_EQ(r.err, "");
    auto group = runCommand({SUPCTL_BIN, "--json", "status", "web", "nope"}, env);
    EXPECT_EQ(group.exitCode, 4) << group.err;
    EXPECT_EQ(group.out, "[" + processJson("web@0", "RUNNING", "4242") + "," +
                             processJson("web@1", "STOPPED", "0") + "]\n");
    EXPECT_EQ(group.err, "supctl: no process matches 'nope'\n");
    EXPECT_EQ(older.getCalls.load(), 3);
    EXPECT_EQ(older.listCalls.load(), 0);
}

// is-active and is-failed too: the states of what Match names, not the whole list.
TEST(CtlOlderDaemon, IsActiveOfAnInstanceAsksOnlyForIt) {
    TestBus bus;
    OlderDaemon older(bus.address());
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}};

    auto r = runCommand({SUPCTL_BIN, "is-active", "web@0", "nope", "web"}, env);
    EXPECT_EQ(r.exitCode, 4) << r.err;
    EXPECT_EQ(r.out, "active\ninactive\ninactive\n");  // web@0 is printed once
    EXPECT_EQ(r.err, "");
    auto failed = runCommand({SUPCTL_BIN, "is-failed", "web@1"}, env);
    EXPECT_EQ(failed.exitCode, 1) << failed.err;
    EXPECT_EQ(failed.out, "inactive\n");
    EXPECT_EQ(older.getCalls.load(), 3);
    EXPECT_EQ(older.listCalls.load(), 0);
}

// A daemon that answers UnknownMethod to GetProcess is asked for the whole list, as before.
TEST(CtlOlderDaemon, StatusOfAnInstanceWithoutGetProcessReadsTheList) {
    TestBus bus;
    OlderDaemon older(bus.address(), Lookup::None);
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};

    auto r = runCommand({SUPCTL_BIN, "--json", "status", "web@0"}, env);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, "[" + processJson("web@0", "RUNNING", "4242") + "]\n");
    EXPECT_EQ(r.err, "");
    EXPECT_GE(older.listCalls.load(), 1);
}

}  // namespace
