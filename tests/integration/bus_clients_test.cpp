// The real daemon seen by D-Bus clients that are not supctl: busctl and gdbus introspect the objects
// and call ListProcesses; an ObjectManager client sees InterfacesAdded/Removed when a reload adds and
// removes services.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"
#include "integration/SignalWatch.h"

using namespace sup::test;

namespace {

const char* kServices = R"(
services:
  web:
    command: ["/bin/sleep", "1000"]
    numprocs: 2
    start_seconds: 0s
  old:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)";

class BusClients : public DaemonTest {
  protected:
    void SetUp() override {
        startDaemon(kServices);
        ASSERT_TRUE(daemon->waitState("web@1", "RUNNING")) << daemon->log();
    }
    CommandResult busctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {"busctl", "--address=" + bus.address()});
        return runCommand(args);
    }
    CommandResult gdbus(const std::string& verb, std::vector<std::string> args) const {
        args.insert(args.begin(), {"gdbus", verb, "--address", bus.address(), "--dest", "io.supervisord"});
        return runCommand(args);
    }
};

TEST_F(BusClients, BusctlIntrospectsAndCallsListProcesses) {
    auto intro = busctl({"introspect", "io.supervisord", "/io/supervisord"});
    ASSERT_EQ(intro.exitCode, 0) << intro.err;
    EXPECT_NE(intro.out.find("io.supervisord.Manager1"), std::string::npos) << intro.out;
    EXPECT_NE(intro.out.find(".ListProcesses"), std::string::npos) << intro.out;
    EXPECT_NE(intro.out.find("org.freedesktop.DBus.ObjectManager"), std::string::npos) << intro.out;

    auto call = busctl({"--json=short", "call", "io.supervisord", "/io/supervisord",
                        "io.supervisord.Manager1", "ListProcesses"});
    ASSERT_EQ(call.exitCode, 0) << call.err;
    auto reply = nlohmann::json::parse(call.out);
    ASSERT_EQ(reply.at("type"), "aa{sv}") << call.out;
    std::map<std::string, std::string> states;
    for (auto& process : reply.at("data").at(0))
        states[process.at("name").at("data")] = process.at("state").at("data");
    EXPECT_EQ(states, (std::map<std::string, std::string>{
                          {"old", "RUNNING"}, {"web@0", "RUNNING"}, {"web@1", "RUNNING"}}))
        << call.out;

    auto pid = busctl({"get-property", "io.supervisord", "/io/supervisord/process/web_401",
                       "io.supervisord.Process1", "State"});
    EXPECT_EQ(pid.exitCode, 0) << pid.err;
    EXPECT_EQ(pid.out, "s \"RUNNING\"\n");
}

TEST_F(BusClients, GdbusIntrospectsAndCallsListProcesses) {
    auto intro = gdbus("introspect", {"--object-path", "/io/supervisord", "--recurse"});
    ASSERT_EQ(intro.exitCode, 0) << intro.err;
    EXPECT_NE(intro.out.find("interface io.supervisord.Manager1"), std::string::npos) << intro.out;
    EXPECT_NE(intro.out.find("/io/supervisord/process/web_400"), std::string::npos) << intro.out;
    EXPECT_NE(intro.out.find("interface io.supervisord.Process1"), std::string::npos) << intro.out;

    auto call = gdbus(
        "call", {"--object-path", "/io/supervisord", "--method", "io.supervisord.Manager1.ListProcesses"});
    ASSERT_EQ(call.exitCode, 0) << call.err;
    for (const char* name : {"'web@0'", "'web@1'", "'old'"})
        EXPECT_NE(call.out.find(name), std::string::npos) << name << " in " << call.out;
    EXPECT_NE(call.out.find("'state': <'RUNNING'>"), std::string::npos) << call.out;

    // A named error, as any client sees it.
    auto missing = gdbus("call", {"--object-path", "/io/supervisord", "--method",
                                  "io.supervisord.Manager1.GetProcess", "nope"});
    EXPECT_NE(missing.exitCode, 0);
    EXPECT_NE(missing.err.find("io.supervisord.Error.NoSuchProcess"), std::string::npos) << missing.err;
}

TEST_F(BusClients, ReloadAnnouncesAddedAndRemovedObjects) {
    SignalWatch watch(bus.address());
    writeFile(conf / "services.yaml", R"(
services:
  web:
    command: ["/bin/sleep", "1000"]
    numprocs: 2
    start_seconds: 0s
  fresh:
    command: ["/bin/sleep", "1000"]
    start_seconds: 0s
)");
    auto r = daemon->ctl({"reload"});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_TRUE(waitFor([&] { return watch.saw("added /io/supervisord/process/fresh"); })) << daemon->log();
    EXPECT_TRUE(waitFor([&] { return watch.saw("removed /io/supervisord/process/old"); })) << daemon->log();
    EXPECT_FALSE(watch.saw("removed /io/supervisord/process/web_400"))
        << "an unchanged service was re-announced";

    auto objects = busctl({"tree", "--list", "io.supervisord"});
    ASSERT_EQ(objects.exitCode, 0) << objects.err;
    EXPECT_NE(objects.out.find("/io/supervisord/process/fresh"), std::string::npos) << objects.out;
    EXPECT_EQ(objects.out.find("/io/supervisord/process/old"), std::string::npos) << objects.out;
}

}  // namespace
