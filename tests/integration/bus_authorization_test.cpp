// The authorization matrix of io.supervisord, against the real daemon on a private bus: every method of
// every interface in io.supervisord.xml is called by four callers (root, a member of control_groups, a
// member of read_groups, anyone else), and each call is allowed or refused with AccessDenied as the
// matrix says. A refused call changes nothing (PIDs and states are compared). The methods are read
// from the XML itself, so a new method without a row in kMatrix fails the test.
#include <grp.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

enum class Level { Public, Read, Control };

struct Row {
    Level level;
    std::string object;             // object path
    std::vector<std::string> args;  // gdbus call arguments (GVariant text)
};

const std::string kManager = "/io/supervisord";
// "secret" as gdbus prints a byte array.
const std::string kSecretBytes = "0x73, 0x65, 0x63, 0x72, 0x65, 0x74";
const std::string kSpare = "/io/supervisord/process/spare";

// Arguments are chosen so that an allowed call is harmless for the calls after it.
const std::map<std::string, Row> kMatrix = {
    {"io.supervisord.Manager1.ListProcesses", {Level::Public, kManager, {}}},
    {"io.supervisord.Manager1.ListProcessRows", {Level::Public, kManager, {}}},
    {"io.supervisord.Manager1.GetProcess", {Level::Public, kManager, {"web"}}},
    {"io.supervisord.Manager1.Match", {Level::Public, kManager, {"['*']"}}},
    {"io.supervisord.Manager1.GetLimits", {Level::Public, kManager, {}}},
    {"io.supervisord.Manager1.Subscribe", {Level::Public, kManager, {}}},
    {"io.supervisord.Manager1.Unsubscribe", {Level::Public, kManager, {}}},
    {"io.supervisord.Manager1.Tail", {Level::Read, kManager, {"web", "stdout", "uint32 10"}}},
    {"io.supervisord.Manager1.Follow", {Level::Read, kManager, {"web", "stdout", "uint32 10"}}},
    {"io.supervisord.Manager1.Doctor", {Level::Read, kManager, {"@as []"}}},
    {"io.supervisord.Manager1.Start", {Level::Control, kManager, {"['web']"}}},
    {"io.supervisord.Manager1.Stop", {Level::Control, kManager, {"['spare']"}}},
    {"io.supervisord.Manager1.Restart", {Level::Control, kManager, {"['spare']"}}},
    {"io.supervisord.Manager1.Signal", {Level::Control, kManager, {"['web']", "CONT"}}},
    {"io.supervisord.Manager1.Reload", {Level::Control, kManager, {}}},
    {"io.supervisord.Manager1.Shutdown", {Level::Control, kManager, {}}},
    {"io.supervisord.Process1.Start", {Level::Control, kSpare, {}}},
    {"io.supervisord.Process1.Stop", {Level::Control, kSpare, {}}},
    {"io.supervisord.Process1.Restart", {Level::Control, kSpare, {}}},
    {"io.supervisord.Process1.Signal", {Level::Control, kSpare, {"CONT"}}},
    // Properties are public: one GetAll per interface stands for every property.
    {"org.freedesktop.DBus.Properties.GetAll@Manager1",
     {Level::Public, kManager, {"io.supervisord.Manager1"}}},
    {"org.freedesktop.DBus.Properties.GetAll@Process1", {Level::Public, kSpare, {"io.supervisord.Process1"}}},
};

// "io.supervisord.Manager1.Tail" for every <method> of every <interface> in the API contract.
std::set<std::string> methodsInContract() {
    const std::string xmlPath = std::string(SUP_SOURCE_DIR) + "/daemon/bus/io.supervisord.xml";
    std::ifstream in(xmlPath);
    std::stringstream text;
    text << in.rdbuf();
    const std::string xml = text.str();
    std::set<std::string> methods;
    std::regex tag(R"re(<(interface|method)\s+name="([^"]+)")re");
    std::string interface;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator(); ++it) {
        if ((*it)[1] == "interface")
            interface = (*it)[2];
        else
            methods.insert(interface + "." + std::string((*it)[2]));
    }
    return methods;
}

// A group created for the test and deleted after it.
class TempGroup {
  public:
    explicit TempGroup(const std::string& name) : name_(name) {
        auto r = runCommand({"groupadd", name_});
        if (r.exitCode != 0) throw std::runtime_error("groupadd " + name_ + ": " + r.err);
        const ::group* g = ::getgrnam(name_.c_str());
        if (g == nullptr) throw std::runtime_error("no group " + name_ + " after groupadd");
        gid_ = g->gr_gid;
    }
    ~TempGroup() { runCommand({"groupdel", name_}); }
    const std::string& name() const { return name_; }
    gid_t gid() const { return gid_; }

  private:
    std::string name_;
    gid_t gid_ = 0;
};

struct Caller {
    std::string label;
    std::vector<std::string> prefix;  // setpriv ... or nothing for root
    Level mayReach;                   // the highest level it may use
};

bool permits(const Caller& caller, Level level) {
    return static_cast<int>(level) <= static_cast<int>(caller.mayReach);
}

class BusAuthorization : public DaemonTest {
  protected:
    TempGroup controlGroup{"supt-ctl-" + std::to_string(::getpid())};
    TempGroup readGroup{"supt-read-" + std::to_string(::getpid())};
    std::vector<Caller> callers;

    void SetUp() override {
        startDaemon(configYaml());
        ASSERT_TRUE(daemon->waitState("web", "RUNNING")) << daemon->log();
        ASSERT_TRUE(waitFor([&] {
            return daemon->ctl({"tail", "web"}).out.find("secret") != std::string::npos;
        })) << daemon->log();
        auto nobodyWith = [](const std::string& groups) {
            std::vector<std::string> p = {"setpriv", "--reuid=65534", "--regid=65534"};
            p.push_back(groups.empty() ? "--clear-groups" : "--groups=" + groups);
            return p;
        };
        callers = {
            {"other uid", nobodyWith(""), Level::Public},
            {"read_groups member", nobodyWith(std::to_string(readGroup.gid())), Level::Read},
            {"control_groups member", nobodyWith(std::to_string(controlGroup.gid())), Level::Control},
            {"root", {}, Level::Control},
        };
    }
    void TearDown() override {
        finishDaemon(daemon.get(), {"/bin/sleep 1001"});
        DaemonTest::TearDown();
    }

    std::string configYaml() const {
        return "supervisor:\n"
               "  control_groups: [" +
               controlGroup.name() + "]\n  read_groups: [" + readGroup.name() +
               ", no-such-group-on-this-machine]\n" + R"(services:
  web:
    command: ["/bin/sh", "-c", "echo password=secret; exec /bin/sleep 1001"]
    start_seconds: 0s
  spare:
    command: ["/bin/sleep", "1001"]
    autostart: false
    start_seconds: 0s
)";
    }

    CommandResult call(const Caller& caller, const std::string& method, const Row& row) const {
        std::vector<std::string> argv = caller.prefix;
        const std::string member = method.substr(0, method.find('@'));
        argv.insert(argv.end(), {"gdbus", "call", "--address", bus.address(), "--dest", "io.supervisord",
                                 "--object-path", row.object, "--method", member});
        argv.insert(argv.end(), row.args.begin(), row.args.end());
        return runCommand(argv);
    }

    // name -> "STATE pid"
    std::map<std::string, std::string> snapshot() const {
        std::map<std::string, std::string> out;
        for (const auto& p : daemon->status())
            out[p.at("name").get<std::string>()] =
                p.at("state").get<std::string>() + " " + std::to_string(p.at("pid").get<long>());
        return out;
    }
};

TEST_F(BusAuthorization, EveryMethodHasARowInTheMatrix) {
    const auto methods = methodsInContract();
    ASSERT_FALSE(methods.empty()) << "no methods parsed from io.supervisord.xml";
    for (const auto& method : methods)
        EXPECT_EQ(kMatrix.count(method), 1u) << method << " has no row in kMatrix: decide who may call it";
}

TEST_F(BusAuthorization, EachCallerReachesExactlyItsLevel) {
    for (const auto& method : methodsInContract()) ASSERT_EQ(kMatrix.count(method), 1u) << method;

    for (const auto& caller : callers) {
        for (const auto& [method, row] : kMatrix) {
            const bool allowed = permits(caller, row.level);
            if (allowed && method == "io.supervisord.Manager1.Shutdown") continue;  // last, below
            const auto before = snapshot();
            auto r = call(caller, method, row);
            const std::string what = caller.label + " calling " + method;
            if (allowed) {
                EXPECT_EQ(r.err.find("AccessDenied"), std::string::npos) << what << ": " << r.err;
                continue;
            }
            EXPECT_NE(r.exitCode, 0) << what << " was allowed: " << r.out;
            EXPECT_NE(r.err.find("org.freedesktop.DBus.Error.AccessDenied"), std::string::npos)
                << what << ": " << r.err;
            EXPECT_EQ(r.out.find(kSecretBytes), std::string::npos) << what << " leaked output: " << r.out;
            EXPECT_EQ(snapshot(), before) << what << " changed something although refused";
        }
    }

    // What was allowed really worked: a reader gets the output.
    auto tail = call(callers[1], "io.supervisord.Manager1.Tail", kMatrix.at("io.supervisord.Manager1.Tail"));
    EXPECT_EQ(tail.exitCode, 0) << tail.err;
    EXPECT_NE(tail.out.find(kSecretBytes), std::string::npos) << tail.out;  // gdbus prints `ay` in hex
    // supctl as a reader and as anyone else.
    auto readerCtl = runCommand({"setpriv", "--reuid=65534", "--regid=65534",
                                 "--groups=" + std::to_string(readGroup.gid()), SUPCTL_BIN, "tail", "web"},
                                {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(readerCtl.exitCode, 0) << readerCtl.err;
    EXPECT_NE(readerCtl.out.find("password=secret"), std::string::npos) << readerCtl.out;
    auto otherCtl =
        runCommand({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SUPCTL_BIN, "tail", "web"},
                   {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_NE(otherCtl.exitCode, 0);
    EXPECT_EQ(otherCtl.out.find("secret"), std::string::npos) << otherCtl.out;

    // Shutdown as each caller allowed to: the control member first, then root on a fresh daemon.
    const Row& shutdown = kMatrix.at("io.supervisord.Manager1.Shutdown");
    auto byMember = call(callers[2], "io.supervisord.Manager1.Shutdown", shutdown);
    EXPECT_EQ(byMember.exitCode, 0) << byMember.err;
    EXPECT_EQ(daemon->waitExit(30s), 0) << daemon->log();
    daemon = std::make_unique<Daemon>(bus, conf.path());
    ASSERT_TRUE(daemon->waitReady()) << daemon->log();
    auto byRoot = call(callers[3], "io.supervisord.Manager1.Shutdown", shutdown);
    EXPECT_EQ(byRoot.exitCode, 0) << byRoot.err;
    EXPECT_EQ(daemon->waitExit(30s), 0) << daemon->log();
}

}  // namespace
