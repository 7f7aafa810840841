// `ready: notify` on the real daemon: a service that never notifies fails its start after ready_timeout,
// a missed watchdog gets SIGABRT and a restart while one that pings is left alone, and a READY=1 from
// another service's process is ignored.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "integration/Harness.h"
#include "integration/ScriptedServices.h"

using namespace sup::test;

namespace {

using Clock = std::chrono::steady_clock;

class ReadinessNotify : public ScriptedServiceTest {};

TEST_F(ReadinessNotify, AServiceThatNeverNotifiesFailsAfterReadyTimeout) {
    markers = {"/bin/sleep 6351"};
    const auto begin = Clock::now();
    startDaemon("services:\n" + service("quiet", event("spawn") + "\nexec /bin/sleep 6351",
                                        {"ready: notify", "ready_timeout: 1s", "start_retries: 1"}));
    ASSERT_TRUE(daemon->waitState("quiet", "STARTING")) << statusText() << daemon->log();

    ASSERT_TRUE(daemon->waitState("quiet", "FATAL")) << statusText() << daemon->log();
    EXPECT_NE(reasonOf("quiet").find("not ready within ready_timeout (1s)"), std::string::npos)
        << reasonOf("quiet");
    // Two attempts (the first and one retry), each given its full second.
    EXPECT_EQ(events(), (std::vector<std::string>{"spawn", "spawn"})) << eventsText();
    EXPECT_GE(Clock::now() - begin, std::chrono::seconds(2));
    EXPECT_TRUE(processesWithCmdline("/bin/sleep 6351").empty()) << "the unready process was stopped";
}

// `a` sends READY=1 and then no WATCHDOG=1: it is killed with SIGABRT and restarted, again and again.
// `b` pings every 200 ms with the same 1 s watchdog and keeps its process.
TEST_F(ReadinessNotify, AMissedWatchdogKillsWithSigabrtAndRestartsWhilePingsKeepAServiceUp) {
    markers = {"/bin/sleep 6361"};
    startDaemon("services:\n" +
                service("a", "/usr/bin/systemd-notify --ready\nexec /bin/sleep 6361",
                        {"ready: notify", "watchdog: 1s", "ready_timeout: 30s"}) +
                service("b",
                        "/usr/bin/systemd-notify --ready\n"
                        "while :; do /usr/bin/systemd-notify WATCHDOG=1; /bin/sleep 0.2; done",
                        {"ready: notify", "watchdog: 1s", "ready_timeout: 30s"}));
    ASSERT_TRUE(daemon->waitState("a", "RUNNING")) << statusText() << daemon->log();
    ASSERT_TRUE(daemon->waitState("b", "RUNNING")) << statusText() << daemon->log();
    const pid_t firstA = daemon->pidOf("a"), firstB = daemon->pidOf("b");
    ASSERT_GT(firstA, 0);
    ASSERT_GT(firstB, 0);

    // Every reason and last exit `a` shows on its way: the restart may pass through STOPPING and
    // BACKOFF quickly, but one of them says why.
    std::set<std::string> seen;
    auto restartedTwice = [&] {
        auto p = daemon->process("a");
        if (p.is_null()) return false;
        seen.insert(p.value("state", "") + ": " + p.value("reason", ""));
        seen.insert("last exit: " + p.value("last_exit", ""));
        return p.value("restarts", 0) >= 2 && p.value("state", "") == "RUNNING" &&
               p.value("pid", 0) != firstA;
    };
    ASSERT_TRUE(waitFor(restartedTwice)) << statusText() << daemon->log();
    std::string all;
    for (auto& s : seen) all += s + "\n";
    EXPECT_NE(all.find("watchdog timeout"), std::string::npos) << all;
    EXPECT_NE(all.find("ABRT"), std::string::npos) << all;
    EXPECT_FALSE(processExists(firstA) && !isZombie(firstA));

    // b lived through the same two seconds and more without a restart.
    EXPECT_EQ(daemon->stateOf("b"), "RUNNING");
    EXPECT_EQ(daemon->pidOf("b"), firstB);
    EXPECT_EQ(daemon->process("b").value("restarts", -1), 0) << statusText();
}

// b sends READY=1 to a's NOTIFY_SOCKET (read from a's environment): the daemon must ignore it, as it
// comes from neither a's main process nor a process of a's session.
TEST_F(ReadinessNotify, AReadyFromAnotherServicesProcessIsIgnored) {
    markers = {"/bin/sleep 6371", "/bin/sleep 6372"};
    const std::string sendToA =
        "/usr/bin/python3 -c 'import socket, sys; a = open(sys.argv[1]).read(); "
        "a = \"\\0\" + a[1:] if a.startswith(\"@\") else a; "
        "socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b\"READY=1\", a)' " +
        (work / "a-socket");
    startDaemon("services:\n" +
                service("a", "exec /bin/sleep 6371", {"ready: notify", "ready_timeout: 60s"}) +
                service("b",
                        waitGate("a-socket") + "\n" + sendToA + " && " + event("sent") +
                            "\n/usr/bin/systemd-notify --ready\nexec /bin/sleep 6372",
                        {"ready: notify", "ready_timeout: 60s"}));

    // a's socket, from its environment once it runs its own program.
    pid_t a = 0;
    ASSERT_TRUE(waitFor([&] {
        a = daemon->pidOf("a");
        return a > 0 && cmdlineOf(a) == "/bin/sleep 6371";
    })) << statusText();
    std::string socket;
    const std::string env = readFile("/proc/" + std::to_string(a) + "/environ");
    for (std::size_t at = 0; at < env.size();) {
        std::size_t end = env.find('\0', at);
        if (end == std::string::npos) end = env.size();
        if (env.compare(at, 14, "NOTIFY_SOCKET=") == 0) socket = env.substr(at + 14, end - at - 14);
        at = end + 1;
    }
    ASSERT_FALSE(socket.empty()) << "a has no NOTIFY_SOCKET";
    writeFile(work / "a-socket.new", socket);
    ASSERT_EQ(std::rename((work / "a-socket.new").c_str(), (work / "a-socket").c_str()), 0);

    // b sent to a's socket before its own READY=1, so a's datagram was queued before b's. The daemon
    // handles every fd that epoll reports ready in one batch, and a's socket is reported (level
    // triggered) no later than b's: once a status call has shown b RUNNING, a later call comes after
    // a's datagram was handled.
    ASSERT_TRUE(waitFor([&] { return hasEvent("sent"); })) << eventsText() << statusText();
    ASSERT_TRUE(daemon->waitState("b", "RUNNING")) << statusText() << daemon->log();
    EXPECT_EQ(daemon->stateOf("a"), "STARTING") << statusText();
    EXPECT_EQ(daemon->pidOf("a"), a);
    EXPECT_EQ(reasonOf("a").find("READY"), std::string::npos) << reasonOf("a");
    EXPECT_NE(daemon->log().find("a: ignored a notify message from pid"), std::string::npos) << daemon->log();
}

// STATUS= is what the service says of itself: in NotifyStatus and in supctl status's REASON column.
// RELOADING=1 shows in ReadyState until the next READY=1, as systemd's "reloading".
TEST_F(ReadinessNotify, StatusTextAndReloadingAreShown) {
    markers = {"/bin/sleep 6371"};
    startDaemon("services:\n" +
                service("db",
                        "/usr/bin/systemd-notify --ready --status=accepting\n" + waitGate("reload") +
                            "\n/usr/bin/systemd-notify RELOADING=1 STATUS=reloading\n" + waitGate("back") +
                            "\n/usr/bin/systemd-notify READY=1 STATUS=back\nexec /bin/sleep 6371",
                        {"ready: notify", "ready_timeout: 30s"}));
    ASSERT_TRUE(daemon->waitState("db", "RUNNING")) << statusText() << daemon->log();
    auto field = [&](const char* key) { return daemon->process("db").value(key, std::string()); };
    ASSERT_TRUE(waitFor([&] { return field("notify_status") == "accepting"; })) << statusText();
    EXPECT_EQ(field("ready_state"), "ready");
    EXPECT_NE(statusText().find("status: accepting"), std::string::npos) << statusText();

    openGate("reload");
    ASSERT_TRUE(waitFor([&] { return field("ready_state") == "reloading"; })) << statusText();
    EXPECT_EQ(field("notify_status"), "reloading");
    openGate("back");
    ASSERT_TRUE(waitFor([&] { return field("ready_state") == "ready" && field("notify_status") == "back"; }))
        << statusText();
}

}  // namespace
