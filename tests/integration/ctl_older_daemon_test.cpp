// supctl against a daemon from before ListProcessRows: a stand-in on a private bus serves only
// ListProcesses (sd-bus answers UnknownMethod for the member it lacks, as an older supervisord does).
// supctl must fall back to ListProcesses and print the same status.
#include <gtest/gtest.h>

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

// The Manager1 of an older supervisord, reduced to ListProcesses.
class OlderDaemon {
  public:
    explicit OlderDaemon(const std::string& address)
        : connection_(sdbus::createSessionBusConnectionWithAddress(address)),
          object_(sdbus::createObject(*connection_, "/io/supervisord")) {
        object_->registerMethod("ListProcesses").onInterface("io.supervisord.Manager1").implementedAs([this] {
            ++listCalls;
            return std::vector<Dict>{olderProcess("web@0", "RUNNING", 4242),
                                     olderProcess("web@1", "STOPPED", 0)};
        });
        object_->finishRegistration();
        connection_->requestName("io.supervisord");
        connection_->enterEventLoopAsync();
    }
    ~OlderDaemon() { connection_->leaveEventLoop(); }
    OlderDaemon(const OlderDaemon&) = delete;
    OlderDaemon& operator=(const OlderDaemon&) = delete;

    std::atomic<int> listCalls{0};

  private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IObject> object_;
};

TEST(CtlOlderDaemon, StatusFallsBackToListProcesses) {
    TestBus bus;
    OlderDaemon older(bus.address());
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};

    auto r = runCommand({SUPCTL_BIN, "--json", "status"}, env);
    ASSERT_EQ(r.exitCode, 3) << r.err;  // an instance is not running, as `systemctl status` says
    const std::string process =
        R"("pid":%,"restarts":1,"exit_status":-1,"last_exit":"","spawn_error":"","reason":"up for start_seconds",)"
        R"("started_at":0,"state_since":1700000000000000,"next_start":0,"cpu_usec":0,"max_rss_kib":0,)"
        R"("command":["/bin/sleep","1000"],"source_file":"/etc/supervisord/web.yaml","source_line":2,"priority":0,)"
        R"("requires":[],"wants":[],"after":[],"required_by":[],"ready_state":"","notify_status":""})";
    auto withPid = [&](const std::string& pid) {
        std::string text = process;
        text.replace(text.find('%'), 1, pid);
        return text;
    };
    EXPECT_EQ(r.out, R"([{"name":"web@0","group":"web","state":"RUNNING",)" + withPid("4242") +
                         R"(,{"name":"web@1","group":"web","state":"STOPPED",)" + withPid("0") + "]\n");
    EXPECT_EQ(r.err, "");

    auto table = runCommand({SUPCTL_BIN, "status"}, env);
    EXPECT_EQ(table.exitCode, 3) << table.err;
    EXPECT_NE(table.out.find("web@0"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("4242"), std::string::npos) << table.out;
    EXPECT_GE(older.listCalls.load(), 2);
}

}  // namespace
