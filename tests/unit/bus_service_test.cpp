// BusService on a private dbus-daemon over a fake Control: clients call it through the generated
// proxy (on a thread) or as other uids through dbus-send, while the test thread runs the EventLoop.
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bus/BusService.h"
#include "bus_fake_control.h"
#include "bus_test_helpers.h"
#include "io.supervisord-proxy.h"
#include "os/EventLoop.h"

namespace {

using namespace sup;
using namespace sup::bus;
using namespace sup::bus::test;
using namespace std::chrono_literals;

constexpr const char* kManager1 = "io.supervisord.Manager1";
constexpr const char* kProcess1 = "io.supervisord.Process1";

// What a client saw, filled by the proxy's own event-loop thread.
class Seen {
  public:
    void add(std::string event) {
        std::lock_guard lock(m_);
        events_.push_back(std::move(event));
    }
    bool has(const std::string& event) const {
        std::lock_guard lock(m_);
        return std::find(events_.begin(), events_.end(), event) != events_.end();
    }
    long count(const std::string& event) const {
        std::lock_guard lock(m_);
        return std::count(events_.begin(), events_.end(), event);
    }
    std::string all() const {
        std::lock_guard lock(m_);
        std::string out;
        for (auto& e : events_) out += e + "\n";
        return out;
    }

  private:
    mutable std::mutex m_;
    std::vector<std::string> events_;
};

class ManagerClient final
    : public sdbus::ProxyInterfaces<io::supervisord::Manager1_proxy, sdbus::ObjectManager_proxy,
                                    sdbus::Properties_proxy> {
  public:
    explicit ManagerClient(Seen& seen)
        : ProxyInterfaces(sdbus::createSystemBusConnection(), "io.supervisord", "/io/supervisord"),
          seen_(seen) {
        registerProxy();
    }
    ~ManagerClient() { unregisterProxy(); }

  private:
    void onProcessStateChanged(const std::string& name, const std::string& oldState,
                               const std::string& newState, const uint32_t& pid,
                               const std::string& reason) override {
        seen_.add("state " + name + " " + oldState + "->" + newState + " pid " + std::to_string(pid) + " " +
                  reason);
    }
    void onReloaded(const std::vector<std::string>& added, const std::vector<std::string>&,
                    const std::vector<std::string>&) override {
        seen_.add("reloaded +" + std::to_string(added.size()));
    }
    void onInterfacesAdded(
        const sdbus::ObjectPath& path,
        const std::map<std::string, std::map<std::string, sdbus::Variant>>& interfaces) override {
        auto it = interfaces.find(kProcess1);
        std::string name = it != interfaces.end() && it->second.count("Name")
                               ? it->second.at("Name").get<std::string>()
                               : std::string("?");
        seen_.add("added " + path + " " + name);
    }
    void onInterfacesRemoved(const sdbus::ObjectPath& path,
                             const std::vector<std::string>& interfaces) override {
        bool process = std::find(interfaces.begin(), interfaces.end(), kProcess1) != interfaces.end();
        seen_.add("removed " + path + (process ? " Process1" : ""));
    }
    void onPropertiesChanged(const std::string& interface,
                             const std::map<std::string, sdbus::Variant>& changed,
                             const std::vector<std::string>& invalidated) override {
        for (auto& [key, value] : changed) seen_.add("manager changed " + interface + "." + key);
        for (auto& key : invalidated) seen_.add("manager invalidated " + interface + "." + key);
    }

    Seen& seen_;
};

class ProcessClient final
    : public sdbus::ProxyInterfaces<io::supervisord::Process1_proxy, sdbus::Properties_proxy> {
  public:
    ProcessClient(Seen& seen, const std::string& path)
        : ProxyInterfaces(sdbus::createSystemBusConnection(), "io.supervisord", path), seen_(seen) {
        registerProxy();
    }
    ~ProcessClient() { unregisterProxy(); }

  private:
    void onPropertiesChanged(const std::string&, const std::map<std::string, sdbus::Variant>& changed,
                             const std::vector<std::string>&) override {
        for (auto& [key, value] : changed) {
            std::string text = key;
            if (value.peekValueType() == "s") text += "=" + value.get<std::string>();
            if (value.peekValueType() == "u") text += "=" + std::to_string(value.get<uint32_t>());
            seen_.add("process changed " + text);
        }
    }

    Seen& seen_;
};

// The value of a signalled property as text, whatever its D-Bus type.
std::string variantText(const sdbus::Variant& value) {
    const std::string type = value.peekValueType();
    if (type == "s") return "s:" + value.get<std::string>();
    if (type == "u") return "u:" + std::to_string(value.get<uint32_t>());
    if (type == "i") return "i:" + std::to_string(value.get<int32_t>());
    if (type == "x") return "x:" + std::to_string(value.get<int64_t>());
    if (type == "t") return "t:" + std::to_string(value.get<uint64_t>());
    return type + ":?";
}

// Every PropertiesChanged of one object, each as "Name=type:value" lines.
class ChangeRecorder final : public sdbus::ProxyInterfaces<sdbus::Properties_proxy> {
  public:
    explicit ChangeRecorder(const std::string& path)
        : ProxyInterfaces(sdbus::createSystemBusConnection(), "io.supervisord", path) {
        registerProxy();
    }
    ~ChangeRecorder() { unregisterProxy(); }

    std::vector<std::map<std::string, std::string>> signals() const {
        std::lock_guard lock(m_);
        return signals_;
    }

  private:
    void onPropertiesChanged(const std::string&, const std::map<std::string, sdbus::Variant>& changed,
                             const std::vector<std::string>&) override {
        std::map<std::string, std::string> values;
        for (auto& [key, value] : changed) values[key] = variantText(value);
        std::lock_guard lock(m_);
        signals_.push_back(std::move(values));
    }

    mutable std::mutex m_;
    std::vector<std::map<std::string, std::string>> signals_;
};

// A client subscribed to the signals that reads none of them: a connection with no thread of its
// own, so it can outlive the bus (a proxy's event-loop thread cannot).
class SilentSubscriber {
  public:
    explicit SilentSubscriber(os::EventLoop& loop)
        : connection_(sdbus::createSystemBusConnection()),
          proxy_(sdbus::createProxy(*connection_, "io.supervisord", "/io/supervisord")) {
        callPumping(loop, [&] { proxy_->callMethod("Subscribe").onInterface(kManager1); });
    }
    std::string uniqueName() const { return connection_->getUniqueName(); }

  private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
};

class BusServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        control.add("web@0", "web", ProcessState::Running, 4242).restarts = 2;
        control.add("web@1", "web", ProcessState::Stopped);
        control.add("db", "db", ProcessState::Fatal).spawnError = "exec /bin/db: No such file or directory";
        control.settingsValue.controlGroups = {"wheel"};
        service = std::make_unique<BusService>(loop, control, options());
        client = std::make_unique<ManagerClient>(seen);
        // The daemon signals only while a client is subscribed; the tests that watch signals need one.
        callPumping(loop, [&] { client->Subscribe(); });
    }
    void TearDown() override {
        client.reset();
        service.reset();
    }

    static BusOptions options() {
        BusOptions o;
        o.configPath = "/etc/supervisord";
        return o;
    }

    // A call that must fail: the D-Bus error it got.
    template <typename Call>
    sdbus::Error failure(Call&& call) {
        try {
            callPumping(loop, std::forward<Call>(call));
        } catch (const sdbus::Error& e) {
            return e;
        }
        ADD_FAILURE() << "the call succeeded";
        return sdbus::Error("none", "none");
    }

    // dbus-send as another user (setpriv drops to that uid and its primary group only).
    CommandResult sendAs(uid_t uid, gid_t gid, const std::vector<std::string>& call) {
        std::vector<std::string> args{"setpriv",
                                      "--reuid=" + std::to_string(uid),
                                      "--regid=" + std::to_string(gid),
                                      "--clear-groups",
                                      "dbus-send",
                                      "--bus=" + bus.address(),
                                      "--print-reply",
                                      "--dest=io.supervisord"};
        args.insert(args.end(), call.begin(), call.end());
        return runPumping(loop, args, bus.dir());
    }

    PrivateBus bus;
    os::EventLoop loop;
    FakeControl control;
    Seen seen;
    std::unique_ptr<BusService> service;
    std::unique_ptr<ManagerClient> client;
};

TEST_F(BusServiceTest, ListProcessesReturnsEveryInstanceInOneCall) {
    auto list = callPumping(loop, [&] { return client->ListProcesses(); });
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].at("name").get<std::string>(), "web@0");
    EXPECT_EQ(list[0].at("group").get<std::string>(), "web");
    EXPECT_EQ(list[0].at("state").get<std::string>(), "RUNNING");
    EXPECT_EQ(list[0].at("pid").get<uint32_t>(), 4242u);
    EXPECT_EQ(list[0].at("restarts").get<uint32_t>(), 2u);
    EXPECT_EQ(list[0].at("exit_status").get<int32_t>(), -1);
    EXPECT_EQ(list[0].at("source_line").get<int32_t>(), 3);
    EXPECT_EQ(list[0].at("object").get<sdbus::ObjectPath>(), "/io/supervisord/process/web_400");
    EXPECT_EQ(list[1].at("state").get<std::string>(), "STOPPED");
    EXPECT_EQ(list[1].at("pid").get<uint32_t>(), 0u);
    EXPECT_EQ(list[2].at("state").get<std::string>(), "FATAL");
    EXPECT_EQ(list[2].at("spawn_error").get<std::string>(), "exec /bin/db: No such file or directory");
    EXPECT_EQ(list[0].at("argv").get<std::vector<std::string>>(), (std::vector<std::string>{"/bin/web"}));
    EXPECT_EQ(list[0].at("requires").get<std::vector<std::string>>(), std::vector<std::string>{});
    EXPECT_EQ(list[0].at("ready_state").get<std::string>(), "");
    EXPECT_EQ(list[0].size(), 26u);

    // GetProcess encodes the same dictionary (ListProcesses is serialized by hand, GetProcess is not).
    auto one = callPumping(loop, [&] { return client->GetProcess("web@0"); });
    ASSERT_EQ(one.size(), list[0].size());
    for (auto& [key, value] : one) {
        ASSERT_EQ(list[0].count(key), 1u) << key;
        EXPECT_EQ(list[0].at(key).peekValueType(), value.peekValueType()) << key;
    }
    EXPECT_EQ(one.at("restarts").get<uint32_t>(), 2u);
}

// ListProcessRows carries ListProcesses's values, in its key order, as one struct per instance.
TEST_F(BusServiceTest, ListProcessRowsCarryTheDictionaryValuesInKeyOrder) {
    auto list = callPumping(loop, [&] { return client->ListProcesses(); });
    auto rows = callPumping(loop, [&] { return client->ListProcessRows(); });
    ASSERT_EQ(rows.size(), list.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& d = list[i];
        const auto& r = rows[i];
        EXPECT_EQ(std::get<0>(r), d.at("name").get<std::string>());
        EXPECT_EQ(std::get<1>(r), d.at("group").get<std::string>());
        EXPECT_EQ(std::get<2>(r), d.at("state").get<std::string>());
        EXPECT_EQ(std::get<3>(r), d.at("pid").get<uint32_t>());
        EXPECT_EQ(std::get<4>(r), d.at("restarts").get<uint32_t>());
        EXPECT_EQ(std::get<5>(r), d.at("exit_status").get<int32_t>());
        EXPECT_EQ(std::get<6>(r), d.at("last_exit").get<std::string>());
        EXPECT_EQ(std::get<7>(r), d.at("spawn_error").get<std::string>());
        EXPECT_EQ(std::get<8>(r), d.at("reason").get<std::string>());
        EXPECT_EQ(std::get<9>(r), d.at("started_at").get<int64_t>());
        EXPECT_EQ(std::get<10>(r), d.at("state_since").get<int64_t>());
        EXPECT_EQ(std::get<11>(r), d.at("next_start").get<int64_t>());
        EXPECT_EQ(std::get<12>(r), d.at("cpu_usec").get<uint64_t>());
        EXPECT_EQ(std::get<13>(r), d.at("max_rss_kib").get<int64_t>());
        EXPECT_EQ(std::get<14>(r), d.at("command").get<std::string>());
        EXPECT_EQ(std::get<15>(r), d.at("argv").get<std::vector<std::string>>());
        EXPECT_EQ(std::get<16>(r), d.at("source_file").get<std::string>());
        EXPECT_EQ(std::get<17>(r), d.at("source_line").get<int32_t>());
        EXPECT_EQ(std::get<18>(r), d.at("priority").get<int32_t>());
        EXPECT_EQ(std::get<19>(r), d.at("requires").get<std::vector<std::string>>());
        EXPECT_EQ(std::get<20>(r), d.at("wants").get<std::vector<std::string>>());
        EXPECT_EQ(std::get<21>(r), d.at("after").get<std::vector<std::string>>());
        EXPECT_EQ(std::get<22>(r), d.at("required_by").get<std::vector<std::string>>());
        EXPECT_EQ(std::get<23>(r), d.at("ready_state").get<std::string>());
        EXPECT_EQ(std::get<24>(r), d.at("notify_status").get<std::string>());
        EXPECT_EQ(std::get<25>(r), d.at("object").get<sdbus::ObjectPath>());
        EXPECT_TRUE(std::get<26>(r).empty()) << "no key has been added after the row";
    }
    EXPECT_EQ(std::get<0>(rows[2]), "db");
    EXPECT_EQ(std::get<7>(rows[2]), "exec /bin/db: No such file or directory");
}

TEST_F(BusServiceTest, ProcessObjectsActOnTheirInstance) {
    ProcessClient web0(seen, "/io/supervisord/process/web_400");
    callPumping(loop, [&] { web0.Signal("TERM"); });
    callPumping(loop, [&] { web0.Restart(); });
    callPumping(loop, [&] { web0.Stop(); });
    EXPECT_EQ(control.calls, (std::vector<std::string>{"signal web@0 15", "restart web@0", "stop web@0"}));
    EXPECT_EQ(callPumping(loop, [&] { return web0.State(); }), "STOPPING");
    EXPECT_EQ(callPumping(loop, [&] { return web0.Group(); }), "web");
    EXPECT_EQ(callPumping(loop, [&] { return web0.SourceFile(); }), "/etc/supervisord/web.yaml");
}

TEST_F(BusServiceTest, ManagerPropertiesAndPerProcessObjects) {
    EXPECT_EQ(callPumping(loop, [&] { return client->Version(); }), "1.2.3");
    EXPECT_EQ(callPumping(loop, [&] { return client->State(); }), "running");
    EXPECT_EQ(callPumping(loop, [&] { return client->ConfigPath(); }), "/etc/supervisord");
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 3u);
    auto counts = callPumping(loop, [&] { return client->StateCounts(); });
    EXPECT_EQ(counts["RUNNING"], 1u);
    EXPECT_EQ(counts["STOPPED"], 1u);
    EXPECT_EQ(counts["FATAL"], 1u);
    EXPECT_EQ(counts["BACKOFF"], 0u);

    auto objects = callPumping(loop, [&] { return client->GetManagedObjects(); });
    ASSERT_EQ(objects.size(), 3u);
    auto& web0 = objects.at(sdbus::ObjectPath("/io/supervisord/process/web_400"));
    EXPECT_EQ(web0.at(kProcess1).at("Name").get<std::string>(), "web@0");
    EXPECT_EQ(web0.at(kProcess1).at("Pid").get<uint32_t>(), 4242u);
    EXPECT_EQ(web0.at(kProcess1).at("State").get<std::string>(), "RUNNING");
    EXPECT_EQ(web0.at(kProcess1).at("Command").get<std::string>(), "/bin/web");
}

TEST_F(BusServiceTest, ProcessObjectsPublishTheirEffectiveDefinition) {
    control.specValue.command = {"/bin/web", "a b"};
    control.specValue.user = "www-data";
    control.specValue.umask = 027;
    control.specValue.environment = {{"B", "2"}, {"A", "x y"}};
    control.specValue.stopTimeout = std::chrono::seconds(90);
    control.specValue.restart = RestartMode::OnFailure;
    control.specValue.stdoutTarget.kind = LogTarget::Kind::File;
    control.specValue.stdoutTarget.path = "/var/log/web.log";
    control.specValue.stderrTarget.kind = LogTarget::Kind::Stdout;
    auto objects = callPumping(loop, [&] { return client->GetManagedObjects(); });
    const auto& web0 = objects.at(sdbus::ObjectPath("/io/supervisord/process/web_400")).at(kProcess1);
    EXPECT_EQ(web0.at("ExecStart").get<std::vector<std::string>>(),
              (std::vector<std::string>{"/bin/web", "a b"}));
    EXPECT_EQ(web0.at("WorkingDirectory").get<std::string>(), "/");
    EXPECT_EQ(web0.at("User").get<std::string>(), "www-data");
    EXPECT_EQ(web0.at("UnixGroup").get<std::string>(), "");
    EXPECT_EQ(web0.at("Group").get<std::string>(), "web") << "Group stays the service's name";
    EXPECT_EQ(web0.at("UMask").get<std::string>(), "0027");
    EXPECT_EQ(web0.at("Environment").get<std::vector<std::string>>(),
              (std::vector<std::string>{"A=x y", "B=2"}));
    EXPECT_EQ(web0.at("StopTimeoutUSec").get<uint64_t>(), 90'000'000u);
    EXPECT_EQ(web0.at("StartSecUSec").get<uint64_t>(), 1'000'000u);
    EXPECT_EQ(web0.at("RestartPolicy").get<std::string>(), "on-failure");
    EXPECT_EQ(web0.at("StopSignal").get<std::string>(), "TERM");
    EXPECT_EQ(web0.at("Autostart").get<bool>(), true);
    EXPECT_EQ(web0.at("StandardOutput").get<std::string>(), "file:/var/log/web.log");
    EXPECT_EQ(web0.at("StandardError").get<std::string>(), "stdout");
    EXPECT_EQ(web0.at("SuccessExitStatus").get<std::vector<int32_t>>(), (std::vector<int32_t>{0}));
}

// A property of a process object through org.freedesktop.DBus.Properties, on its own connection.
sdbus::Variant getProperty(const std::string& path, const std::string& property) {
    auto proxy = sdbus::createProxy(sdbus::createSystemBusConnection(), "io.supervisord", path);
    sdbus::Variant value;
    proxy->callMethod("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(kProcess1), property)
        .storeResultsTo(value);
    return value;
}

std::string introspect(const std::string& path) {
    auto proxy = sdbus::createProxy(sdbus::createSystemBusConnection(), "io.supervisord", path);
    std::string xml;
    proxy->callMethod("Introspect").onInterface("org.freedesktop.DBus.Introspectable").storeResultsTo(xml);
    return xml;
}

// The <property .../> element of `name` in an introspection document, up to its closing tag.
std::string propertyElement(const std::string& xml, const std::string& name) {
    const auto start = xml.find("<property name=\"" + name + "\"");
    if (start == std::string::npos) return "";
    const auto end = xml.find("</property>", start);
    return xml.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Every instance is a child of /io/supervisord/process (one fallback vtable serves them all, a node
// enumerator lists them); a path that names no instance is no object.
TEST_F(BusServiceTest, ProcessObjectsAreListedAndUnknownPathsAreUnknownObjects) {
    const std::string children = callPumping(loop, [&] { return introspect("/io/supervisord/process"); });
    for (const char* node : {"web_400", "web_401", "db"})
        EXPECT_NE(children.find("<node name=\"" + std::string(node) + "\"/>"), std::string::npos)
            << node << " in " << children;

    auto unknown = failure([&] { return getProperty("/io/supervisord/process/nope", "State"); });
    EXPECT_EQ(unknown.getName(), "org.freedesktop.DBus.Error.UnknownObject");
    auto below = failure([&] { return getProperty("/io/supervisord/process/web_400/x", "State"); });
    EXPECT_EQ(below.getName(), "org.freedesktop.DBus.Error.UnknownObject");

    control.remove("db");
    EXPECT_EQ(failure([&] { return getProperty("/io/supervisord/process/db", "State"); }).getName(),
              "org.freedesktop.DBus.Error.UnknownObject");
    const std::string after = callPumping(loop, [&] { return introspect("/io/supervisord/process"); });
    EXPECT_EQ(after.find("<node name=\"db\"/>"), std::string::npos) << after;
    EXPECT_EQ(callPumping(loop, [&] { return getProperty("/io/supervisord/process/web_401", "Name"); })
                  .get<std::string>(),
              "web@1");
}

// Introspection tells the truth about PropertiesChanged (io.supervisord.xml's EmitsChangedSignal).
TEST_F(BusServiceTest, IntrospectionSaysWhichPropertiesAreSignalled) {
    const std::string xml = callPumping(loop, [&] { return introspect("/io/supervisord/process/web_400"); });
    const std::string annotation = "org.freedesktop.DBus.Property.EmitsChangedSignal";
    // Every property changedProperties() may name (sd-bus refuses to signal any other).
    for (const char* signalled :
         {"State", "Pid", "Restarts", "ExitStatus", "LastExit", "SpawnError", "Reason", "StartedAt",
          "StateSince", "NextStart", "CpuUsec", "MaxRssKiB", "Command", "SourceFile", "SourceLine",
          "Priority", "ReadyState", "NotifyStatus"}) {
        const std::string element = propertyElement(xml, signalled);
        ASSERT_FALSE(element.empty()) << signalled << " in " << xml;
        EXPECT_EQ(element.find(annotation), std::string::npos) << element;
    }
    for (const char* constant : {"Name", "Group"})
        EXPECT_NE(propertyElement(xml, constant).find("value=\"const\""), std::string::npos)
            << propertyElement(xml, constant);
    for (const char* quiet : {"Requires", "ExecStart", "StopTimeoutUSec", "Timestamps"})
        EXPECT_NE(propertyElement(xml, quiet).find("value=\"false\""), std::string::npos)
            << propertyElement(xml, quiet);
    EXPECT_NE(xml.find("<method name=\"Signal\">\n   <arg type=\"s\" name=\"signal\" direction=\"in\"/>"),
              std::string::npos)
        << xml;
}

// A GetAll (or GetManagedObjects) reads each instance's snapshot and definition once, not once per
// property; the next message reads them afresh.
TEST_F(BusServiceTest, PropertyReadsCopyEachSnapshotOncePerMessage) {
    ProcessClient web0(seen, "/io/supervisord/process/web_400");
    control.getCalls = control.definitionCalls = 0;
    auto all = callPumping(loop, [&] { return web0.GetAll(kProcess1); });
    EXPECT_EQ(all.size(), 50u);
    EXPECT_EQ(all.at("Restarts").get<uint32_t>(), 2u);
    EXPECT_EQ(control.getCalls, 1u);
    EXPECT_EQ(control.definitionCalls, 1u);

    control.getCalls = control.definitionCalls = 0;
    EXPECT_EQ(callPumping(loop, [&] { return client->GetManagedObjects(); }).size(), 3u);
    EXPECT_EQ(control.getCalls, 3u);
    EXPECT_EQ(control.definitionCalls, 3u);

    control.transition("web@0", ProcessState::Stopping, 4242, "stop requested");
    EXPECT_EQ(callPumping(loop, [&] { return web0.State(); }), "STOPPING");
    EXPECT_EQ(callPumping(loop, [&] { return web0.Reason(); }), "stop requested");
}

// Removed and added back before the loop comes round (a reload that renames): the path serves again.
TEST_F(BusServiceTest, AnInstanceRemovedAndAddedBackAtOnceIsServed) {
    control.remove("db");
    control.add("db", "db", ProcessState::Stopped);
    control.announceAdded({"db"});
    EXPECT_EQ(callPumping(loop, [&] { return getProperty("/io/supervisord/process/db", "State"); })
                  .get<std::string>(),
              "STOPPED");
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("added /io/supervisord/process/db db"); }))
        << seen.all();
    EXPECT_EQ(callPumping(loop, [&] { return client->GetManagedObjects(); }).size(), 3u);
}

TEST_F(BusServiceTest, ErrorsHaveTheirNames) {
    auto e = failure([&] { return client->GetProcess("nope"); });
    EXPECT_EQ(e.getName(), "io.supervisord.Error.NoSuchProcess");
    EXPECT_EQ(e.getMessage(), "no process named 'nope'");

    EXPECT_EQ(failure([&] { return client->Stop({"nothing*"}); }).getName(),
              "io.supervisord.Error.NoSuchProcess");
    EXPECT_EQ(failure([&] { return client->Signal({"web@1"}, "HUP"); }).getName(),
              "io.supervisord.Error.NotRunning");
    EXPECT_EQ(failure([&] { return client->Signal({"web@0"}, "BOGUS"); }).getName(),
              "io.supervisord.Error.InvalidArgument");
    EXPECT_EQ(failure([&] { return client->Tail("web@0", "stdin", 10); }).getName(),
              "io.supervisord.Error.InvalidArgument");
    EXPECT_EQ(failure([&] { return client->Start({}); }).getName(), "io.supervisord.Error.InvalidArgument");

    control.reloadResult.ok = false;
    control.reloadResult.error =
        "/etc/supervisord/web.yaml:3:5: services.web.comand: unknown key (did you mean 'command'?)";
    auto reload = failure([&] { return client->Reload(); });
    EXPECT_EQ(reload.getName(), "io.supervisord.Error.InvalidConfig");
    EXPECT_EQ(reload.getMessage(), control.reloadResult.error);

    control.failStart = std::make_exception_ptr(std::runtime_error("fork: out of memory"));
    auto failed = failure([&] { return client->Start({"web@1"}); });
    EXPECT_EQ(failed.getName(), "io.supervisord.Error.Failed");
    EXPECT_EQ(failed.getMessage(), "fork: out of memory");
    control.failStart = nullptr;

    // One exact instance through its own object: already running is an error there.
    ProcessClient web0(seen, "/io/supervisord/process/web_400");
    EXPECT_EQ(failure([&] { web0.Start(); }).getName(), "io.supervisord.Error.AlreadyRunning");
}

TEST_F(BusServiceTest, StartSkipsRunningInstancesAndReturnsTheStartedOnes) {
    auto started = callPumping(loop, [&] { return client->Start({"web"}); });
    EXPECT_EQ(started, std::vector<std::string>{"web@1"});
    EXPECT_EQ(control.calls, std::vector<std::string>{"start web@1"});
}

TEST_F(BusServiceTest, StopReturnsWhatAClientMustWaitFor) {
    auto stopped = callPumping(loop, [&] { return client->Stop({"all"}); });
    EXPECT_EQ(stopped, std::vector<std::string>{"web@0"});  // the others were already down
    EXPECT_EQ(control.calls, (std::vector<std::string>{"stop web@0", "stop web@1", "stop db"}));
}

TEST_F(BusServiceTest, SignalTakesNamesPrefixedNamesAndNumbers) {
    for (const char* sig : {"HUP", "SIGHUP", "1"})
        EXPECT_EQ(callPumping(loop, [&] { return client->Signal({"web*"}, sig); }),
                  std::vector<std::string>{"web@0"});
    EXPECT_EQ(control.calls,
              (std::vector<std::string>{"signal web@0 1", "signal web@0 1", "signal web@0 1"}));
}

TEST_F(BusServiceTest, ReloadReportsAndSignalsTheDifference) {
    control.reloadResult.ok = true;
    control.reloadResult.added = {"cache"};
    control.reloadResult.removed = {"db"};
    auto [added, removed, changed] = callPumping(loop, [&] { return client->Reload(); });
    EXPECT_EQ(added, std::vector<std::string>{"cache"});
    EXPECT_EQ(removed, std::vector<std::string>{"db"});
    EXPECT_TRUE(changed.empty());
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("reloaded +1"); })) << seen.all();
}

// tail_bytes may be 1 GiB, but dbus-daemon drops a connection that sends a message over 32 MiB: the
// reply keeps the newest lines within 8 MiB, starting at a line boundary.
TEST_F(BusServiceTest, ATailReplyStaysUnderTheBusMessageLimit) {
    const std::string line(99, 'x');
    control.tailText.clear();
    for (int i = 0; i < 400'000; ++i) control.tailText += line + "\n";  // 40 MB
    control.tailText += "newest\n";
    const std::vector<uint8_t> tail = callPumping(loop, [&] { return client->Tail("web@0", "stdout", 0); });
    EXPECT_LE(tail.size(), 8u << 20);
    EXPECT_GT(tail.size(), 7u << 20);
    const std::string text(tail.begin(), tail.end());
    EXPECT_TRUE(text.ends_with("\nnewest\n"));
    EXPECT_EQ(text.substr(0, 100), line + "\n");  // whole lines only
}

TEST_F(BusServiceTest, TailAndDoctorAndLimits) {
    const std::vector<uint8_t> tail = callPumping(loop, [&] { return client->Tail("web@0", "stdout", 3); });
    EXPECT_EQ(std::string(tail.begin(), tail.end()), "one\ntwo\nthree\n");
    control.findings = {{"warning", "stdout (fd 1) is in non-blocking mode", "fix the program"}};
    auto findings = callPumping(loop, [&] { return client->Doctor({}); });  // every instance with a process
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].get<0>(), "web@0");
    EXPECT_EQ(findings[0].get<2>(), "stdout (fd 1) is in non-blocking mode");
    EXPECT_EQ(failure([&] { return client->Doctor({"web@1"}); }).getName(),
              "io.supervisord.Error.NotRunning");

    LimitDimension dim;
    dim.id = "pids-cgroup";
    dim.used = 3;
    dim.limit = 4;
    dim.percent = 75;
    dim.top = {{"sleep", 2}};
    control.limitsReport.dimensions = {dim};
    control.limitsReport.bindingId = "pids-cgroup";
    auto [warn, binding, dims] = callPumping(loop, [&] { return client->GetLimits(); });
    EXPECT_EQ(warn, 80u);
    EXPECT_EQ(binding, "pids-cgroup");
    ASSERT_EQ(dims.size(), 1u);
    EXPECT_EQ(dims[0].get<3>(), 4u);
    EXPECT_EQ(dims[0].get<8>().at(0).get<0>(), "sleep");
}

TEST_F(BusServiceTest, FollowStreamsTheTailThenNewOutput) {
    sdbus::UnixFd fd = callPumping(loop, [&] { return client->Follow("web@0", "stdout", 2); });
    ASSERT_TRUE(fd.isValid());
    control.output("web@0", OutputStream::Stdout, "fresh line\n");
    control.output("web@0", OutputStream::Stderr, "not followed\n");
    std::string got;
    ASSERT_TRUE(pumpUntil(loop, [&] {
        char buf[256];
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n > 0) got.append(buf, static_cast<std::size_t>(n));
        }
        return got.size() >= std::string("one\ntwo\nthree\nfresh line\n").size();
    }));
    EXPECT_EQ(got, "one\ntwo\nthree\nfresh line\n");  // the fake's tail ignores `lines`
    EXPECT_EQ(failure([&] { return client->Follow("nope", "stdout", 0); }).getName(),
              "io.supervisord.Error.NoSuchProcess");
}

TEST_F(BusServiceTest, StateChangesAreSignalledAndPropertiesChangedOnTheObject) {
    ProcessClient web1(seen, "/io/supervisord/process/web_401");
    control.transition("web@1", ProcessState::Starting, 777, "start requested");
    EXPECT_TRUE(pumpUntil(loop, [&] {
        return seen.has("state web@1 STOPPED->STARTING pid 777 start requested");
    })) << seen.all();
    EXPECT_TRUE(pumpUntil(loop, [&] {
        return seen.has("process changed State=STARTING") && seen.has("process changed Pid=777") &&
               seen.has("process changed Reason=start requested") &&
               seen.has("manager changed io.supervisord.Manager1.StateCounts");
    })) << seen.all();

    control.setDaemonState(DaemonState::Reloading);
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("manager changed io.supervisord.Manager1.State"); }))
        << seen.all();
}

// A start or a stop of many instances moves the counts many times within one turn of the loop: the
// manager signals them once per turn, while every instance's own transition is still signalled.
TEST_F(BusServiceTest, TheCountsAreSignalledOncePerTurnOfTheLoop) {
    control.transition("web@1", ProcessState::Starting, 777, "start requested");
    control.transition("db", ProcessState::Starting, 778, "start requested");
    control.transition("web@1", ProcessState::Running, 777, "");
    EXPECT_TRUE(pumpUntil(loop, [&] {
        return seen.has("state web@1 STARTING->RUNNING pid 777 ") &&
               seen.has("manager changed io.supervisord.Manager1.StateCounts");
    })) << seen.all();
    pumpUntil(
        loop, [] { return false; }, 200ms);  // whatever else would come
    EXPECT_EQ(seen.count("manager changed io.supervisord.Manager1.StateCounts"), 1) << seen.all();
    EXPECT_TRUE(seen.has("state db FATAL->STARTING pid 778 start requested")) << seen.all();
}

// Like systemd's D-Bus queue: the changes of one object within one turn of the loop make one
// PropertiesChanged with the values the turn ended with, while ProcessStateChanged reports each
// transition.
TEST_F(BusServiceTest, AnObjectsChangesWithinOneTurnMakeOnePropertiesChanged) {
    ChangeRecorder web1("/io/supervisord/process/web_401");
    control.transition("web@1", ProcessState::Starting, 777, "start requested");
    control.transition("web@1", ProcessState::Running, 777, "up for start_seconds");
    EXPECT_TRUE(pumpUntil(loop, [&] {
        return seen.has("state web@1 STARTING->RUNNING pid 777 up for start_seconds") &&
               !web1.signals().empty();
    })) << seen.all();
    pumpUntil(
        loop, [] { return false; }, 200ms);  // whatever else would come
    EXPECT_TRUE(seen.has("state web@1 STOPPED->STARTING pid 777 start requested")) << seen.all();
    const auto signals = web1.signals();
    ASSERT_EQ(signals.size(), 1u);
    EXPECT_EQ(signals[0].at("State"), "s:RUNNING");
    EXPECT_EQ(signals[0].at("Pid"), "u:777");
    EXPECT_EQ(signals[0].at("Reason"), "s:up for start_seconds");

    control.transition("web@1", ProcessState::Stopping, 777, "stop requested");  // the next turn: a new one
    EXPECT_TRUE(pumpUntil(loop, [&] { return web1.signals().size() == 2; }));
    EXPECT_EQ(web1.signals()[1].at("State"), "s:STOPPING");
    EXPECT_EQ(web1.signals()[1].count("Pid"), 0u) << "only what moved";
}

// STATUS= and RELOADING=1 move NotifyStatus and ReadyState of a RUNNING instance, with no transition:
// both are signalled properties, so PropertiesChanged must carry them (a client that caches them
// kept "ready" while the service was reloading).
TEST_F(BusServiceTest, NotifyValuesThatMoveWithoutATransitionAreSignalled) {
    ChangeRecorder web0("/io/supervisord/process/web_400");
    control.notifyValues("web@0", "reloading the cache", "reloading");
    EXPECT_TRUE(pumpUntil(loop, [&] { return !web0.signals().empty(); })) << seen.all();
    const auto signals = web0.signals();
    ASSERT_EQ(signals.size(), 1u);
    EXPECT_EQ(signals[0].at("NotifyStatus"), "s:reloading the cache");
    EXPECT_EQ(signals[0].at("ReadyState"), "s:reloading");
    EXPECT_EQ(signals[0].count("State"), 0u) << "only what moved";
    EXPECT_FALSE(seen.has("state web@0")) << "no transition, no ProcessStateChanged: " << seen.all();

    control.notifyValues("web@0", "reloading the cache", "reloading");  // the same values: nothing to say
    pumpUntil(
        loop, [] { return false; }, 200ms);
    EXPECT_EQ(web0.signals().size(), 1u);
}

// PropertiesChanged is built from the values the supervisor reported, not by the getters: each
// value it carries must be what Get answers, in the same D-Bus type.
TEST_F(BusServiceTest, PropertiesChangedCarriesWhatTheGettersServe) {
    ChangeRecorder web1("/io/supervisord/process/web_401");
    ProcessInfo& info = control.processes[1];
    ASSERT_EQ(info.name, "web@1");
    info.restarts = 4;
    info.exitStatus = 143;
    info.lastExit = "killed by SIGTERM";
    info.spawnError = "fork: EAGAIN \xff";  // not UTF-8: repaired in both
    info.startedAtUsec = 1700000000000001;
    info.stateSinceUsec = 1700000000000002;
    info.nextStartUsec = 1700000000000003;
    info.cpuUsec = 12345;
    info.maxRssKiB = 2048;
    info.command = "/bin/web --port 80";
    info.sourceFile = "/etc/supervisord/other.yaml";
    info.sourceLine = 17;
    info.priority = -5;
    info.readyState = "waiting";
    control.transition("web@1", ProcessState::Running, 4343, "up for start_seconds");
    ASSERT_TRUE(pumpUntil(loop, [&] { return !web1.signals().empty(); }));
    const auto changed = web1.signals()[0];
    EXPECT_EQ(changed.size(), 17u) << "every signalled property moved";
    const auto all = callPumping(loop, [&] { return web1.GetAll(kProcess1); });
    for (const auto& [name, value] : changed) {
        ASSERT_TRUE(all.count(name)) << name;
        EXPECT_EQ(value, variantText(all.at(name))) << name;
    }
}

// A removed object's last state is signalled before it goes, even when both happen in one turn.
TEST_F(BusServiceTest, ARemovedObjectsLastChangeIsSignalledFirst) {
    ChangeRecorder web1("/io/supervisord/process/web_401");
    control.transition("web@1", ProcessState::Starting, 777, "start requested");
    control.remove("web@1");
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("removed /io/supervisord/process/web_401 Process1"); }))
        << seen.all();
    EXPECT_TRUE(pumpUntil(loop, [&] { return !web1.signals().empty(); }));
    ASSERT_EQ(web1.signals().size(), 1u);
    EXPECT_EQ(web1.signals()[0].at("State"), "s:STARTING");
}

// Like systemd's Manager.Subscribe: with no client subscribed nothing is signalled (a shutdown of
// 1,000 services sent 4,000 messages nobody read), and what moved meanwhile is not sent later.
TEST_F(BusServiceTest, SignalsAreSentOnlyWhileAClientIsSubscribed) {
    ChangeRecorder web1("/io/supervisord/process/web_401");  // a match rule, no subscription
    EXPECT_EQ(failure([&] { client->Subscribe(); }).getName(), "io.supervisord.Error.AlreadySubscribed");
    callPumping(loop, [&] { client->Unsubscribe(); });
    EXPECT_EQ(failure([&] { client->Unsubscribe(); }).getName(), "io.supervisord.Error.NotSubscribed");

    control.transition("web@1", ProcessState::Starting, 777, "unheard");
    control.add("cache", "cache", ProcessState::Stopped);
    control.announceAdded({"cache"});
    control.remove("db");
    control.setDaemonState(DaemonState::Reloading);
    // The barrier: the turn that made those changes ends (and flushes) before Subscribe is served.
    callPumping(loop, [&] { client->Subscribe(); });
    control.transition("web@1", ProcessState::Running, 777, "heard");
    ASSERT_TRUE(pumpUntil(loop, [&] {
        return seen.has("state web@1 STARTING->RUNNING pid 777 heard") && !web1.signals().empty();
    })) << seen.all();
    // One sender's signals reach each client in order: anything sent unsubscribed would be here.
    EXPECT_FALSE(seen.has("state web@1 STOPPED->STARTING pid 777 unheard")) << seen.all();
    EXPECT_FALSE(seen.has("added /io/supervisord/process/cache cache")) << seen.all();
    EXPECT_FALSE(seen.has("removed /io/supervisord/process/db Process1")) << seen.all();
    EXPECT_FALSE(seen.has("manager changed io.supervisord.Manager1.State")) << seen.all();
    const auto signals = web1.signals();
    ASSERT_EQ(signals.size(), 1u);
    EXPECT_EQ(signals[0].at("State"), "s:RUNNING");
    EXPECT_EQ(signals[0].count("Pid"), 0u) << "the pid moved before the subscription, not after";
    // What a subscriber reads first is the truth about all of it.
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 3u);
}

// A subscription ends when its client leaves the bus (sd_bus_track), not only with Unsubscribe.
TEST_F(BusServiceTest, ASubscriptionEndsWhenItsClientLeavesTheBus) {
    auto other = std::make_unique<SilentSubscriber>(loop);
    callPumping(loop, [&] { client->Unsubscribe(); });
    control.transition("web@1", ProcessState::Starting, 777, "while another client is subscribed");
    ASSERT_TRUE(pumpUntil(
        loop,
        [&] { return seen.has("state web@1 STOPPED->STARTING pid 777 while another client is subscribed"); }))
        << "signals are broadcasts while anyone is subscribed: " << seen.all();

    const std::string name = other->uniqueName();
    other.reset();
    // Once the bus has dropped the name, its NameOwnerChanged is queued to the service before any later
    // call; a call served after that is a barrier.
    auto asker = sdbus::createSystemBusConnection();
    auto dbus = sdbus::createProxy(*asker, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    ASSERT_TRUE(pumpUntil(loop, [&] {
        bool owned = true;
        dbus->callMethod("NameHasOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name)
            .storeResultsTo(owned);
        return !owned;
    }));
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 3u);

    control.transition("web@1", ProcessState::Running, 777, "after the subscriber left");
    callPumping(loop, [&] { client->Subscribe(); });
    control.transition("web@1", ProcessState::Stopping, 777, "subscribed again");
    ASSERT_TRUE(pumpUntil(loop, [&] {
        return seen.has("state web@1 RUNNING->STOPPING pid 777 subscribed again");
    })) << seen.all();
    EXPECT_FALSE(seen.has("state web@1 STARTING->RUNNING pid 777 after the subscriber left")) << seen.all();
}

TEST_F(BusServiceTest, ObjectManagerAnnouncesAddedAndRemovedProcesses) {
    control.add("cache", "cache", ProcessState::Stopped);
    control.announceAdded({"cache"});
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("added /io/supervisord/process/cache cache"); }))
        << seen.all();
    EXPECT_TRUE(
        pumpUntil(loop, [&] { return seen.has("manager changed io.supervisord.Manager1.ProcessCount"); }));
    EXPECT_EQ(callPumping(loop, [&] { return client->GetManagedObjects(); }).size(), 4u);

    control.remove("db");
    EXPECT_TRUE(pumpUntil(loop, [&] { return seen.has("removed /io/supervisord/process/db Process1"); }))
        << seen.all();
    auto objects = callPumping(loop, [&] { return client->GetManagedObjects(); });
    EXPECT_EQ(objects.size(), 3u);
    EXPECT_EQ(objects.count(sdbus::ObjectPath("/io/supervisord/process/db")), 0u);
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 3u);
}

TEST_F(BusServiceTest, NonRootCallerMayReadButNotStop) {
    auto read = sendAs(65534, 65534, {"/io/supervisord", "io.supervisord.Manager1.ListProcesses"});
    EXPECT_EQ(read.exitCode, 0) << read.output;
    EXPECT_NE(read.output.find("web@0"), std::string::npos) << read.output;

    auto stop = sendAs(65534, 65534, {"/io/supervisord", "io.supervisord.Manager1.Stop", "array:string:web"});
    EXPECT_NE(stop.exitCode, 0);
    EXPECT_NE(
        stop.output.find("org.freedesktop.DBus.Error.AccessDenied: uid 65534 may not stop web: not root and "
                         "not in control_groups (wheel)"),
        std::string::npos)
        << stop.output;

    auto direct = sendAs(65534, 65534, {"/io/supervisord/process/web_400", "io.supervisord.Process1.Stop"});
    EXPECT_NE(direct.output.find("AccessDenied"), std::string::npos) << direct.output;
    auto shutdown = sendAs(65534, 65534, {"/io/supervisord", "io.supervisord.Manager1.Shutdown"});
    EXPECT_NE(shutdown.output.find("AccessDenied"), std::string::npos) << shutdown.output;
    EXPECT_TRUE(control.calls.empty());
}

TEST_F(BusServiceTest, MembersOfAControlGroupMayStop) {
    control.settingsValue.controlGroups = {"wheel", "nogroup"};  // nobody's primary group on Debian
    auto stop = sendAs(65534, 65534, {"/io/supervisord", "io.supervisord.Manager1.Stop", "array:string:web"});
    EXPECT_EQ(stop.exitCode, 0) << stop.output;
    EXPECT_EQ(control.calls, (std::vector<std::string>{"stop web@0", "stop web@1"}));
}

TEST_F(BusServiceTest, ASecondServiceCannotTakeTheName) {
    os::EventLoop otherLoop;
    FakeControl other;
    try {
        BusService second(otherLoop, other, BusOptions{});
        FAIL() << "the name was taken twice";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "another supervisord owns io.supervisord on the system bus");
    }
    EXPECT_TRUE(other.observers.empty());
    // The first one still serves.
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 3u);
}

TEST_F(BusServiceTest, LosingTheBusKeepsTheLoopAndServesAgainOnceItIsBack) {
    std::vector<bool> changes;
    client.reset();
    service.reset();
    BusOptions opts = options();
    opts.onConnectionChanged = [&](bool connected) { changes.push_back(connected); };
    opts.reconnectInitial = 20ms;
    opts.reconnectMax = 80ms;
    service = std::make_unique<BusService>(loop, control, std::move(opts));
    EXPECT_EQ(control.observers.size(), 1u);

    bus.kill();
    ASSERT_TRUE(pumpUntil(loop, [&] { return service->disconnected(); }));
    EXPECT_FALSE(loop.stopped());
    EXPECT_EQ(changes, std::vector<bool>{false});
    // Observer callbacks while the bus is away are harmless, and what they change is published later.
    control.transition("web@0", ProcessState::Stopping, 4242, "stop requested");
    control.remove("db");
    // It keeps trying, with backoff, while nothing listens.
    ASSERT_TRUE(pumpUntil(loop, [&] { return service->reconnectAttempts() >= 3; }));
    EXPECT_TRUE(service->disconnected());

    bus.restart();
    ASSERT_TRUE(pumpUntil(loop, [&] { return !service->disconnected(); }));
    EXPECT_EQ(changes, (std::vector<bool>{false, true}));
    EXPECT_EQ(control.observers.size(), 1u);
    client = std::make_unique<ManagerClient>(seen);
    EXPECT_EQ(callPumping(loop, [&] { return client->ProcessCount(); }), 2u);
    auto web0 = callPumping(loop, [&] { return client->GetProcess("web@0"); });
    EXPECT_EQ(web0.at("state").get<std::string>(), "STOPPING");
    // Losing it a second time works the same way.
    client.reset();
    bus.kill();
    ASSERT_TRUE(pumpUntil(loop, [&] { return service->disconnected(); }));
    bus.restart();
    ASSERT_TRUE(pumpUntil(loop, [&] { return !service->disconnected(); }));
    EXPECT_EQ(changes, (std::vector<bool>{false, true, false, true}));
    service.reset();  // before `changes`, which its callback refers to
}

// A bus that breaks fails every signal until the end of the turn notices it. The log says so once, with
// a count, not once per signal (a shutdown of 1,000 services logged thousands of warnings).
TEST_F(BusServiceTest, SignalsThatFailInOneTurnAreLoggedOnceWithACount) {
    std::ostringstream log;
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("bus-test", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
    SilentSubscriber subscriber(loop);  // signals are due, and it outlives the bus
    client.reset();
    bus.kill();
    for (int i = 0; i < 20; ++i)  // one turn of the loop: the supervisor calls back 20 times
        control.transition("web@0", i % 2 ? ProcessState::Running : ProcessState::Stopping, 4242, "flapping");
    ASSERT_TRUE(pumpUntil(loop, [&] { return service->disconnected(); }));
    spdlog::set_default_logger(previous);

    const std::string text = log.str();
    auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count("could not publish"), 1u) << text;
    EXPECT_EQ(count("more signals could not be published"), 1u) << text;
    EXPECT_EQ(count("lost the D-Bus connection"), 1u) << text;
}

}  // namespace
