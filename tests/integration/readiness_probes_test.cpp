// Readiness checks (tcp, http, exec, log_line) and health checks on the real daemon. Each service
// becomes ready only once the test opens its gate (a listener appears, a file to serve or to test
// exists, a line is printed), so the test sees it wait STARTING -- with a dependent waiting STOPPED --
// for as long as it needs, and then sees it RUNNING.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "integration/Harness.h"
#include "integration/ScriptedServices.h"

using namespace sup::test;

namespace {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

// Whether libcurl is mapped into process `pid`: it is loaded by the first http check only.
bool mapsLibcurl(pid_t pid) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    return text.str().find("/libcurl") != std::string::npos;
}

class ReadinessProbes : public ScriptedServiceTest {
  protected:
    // `api` requires `name` and logs its start; the test checks it waits for `name`.
    std::string dependent(const std::string& name) const {
        return service("api", event("api start") + "\nexec /bin/sleep 6409",
                       {"requires: [" + name + "]", "start_seconds: 0s"});
    }

    // Waits until `name` is STARTING and api waits for it, then opens `gate`, then expects `name`
    // RUNNING before api was spawned.
    void expectReadyOnlyAfterGate(const std::string& name, const std::string& gate) {
        ASSERT_TRUE(waitFor([&] {
            return daemon->stateOf(name) == "STARTING" && daemon->stateOf("api") == "STOPPED" &&
                   reasonOf("api") == "waiting for " + name + " (STARTING)";
        })) << statusText()
            << daemon->log();
        EXPECT_FALSE(hasEvent("api start")) << eventsText();
        note("gate open");
        openGate(gate);
        ASSERT_TRUE(daemon->waitState("api", "RUNNING")) << statusText() << daemon->log();
        EXPECT_EQ(daemon->stateOf(name), "RUNNING") << statusText();
        ASSERT_TRUE(waitFor([&] { return hasEvent("api start"); })) << eventsText();
        EXPECT_LT(indexOf("gate open"), indexOf("api start")) << eventsText();
    }
};

TEST_F(ReadinessProbes, ATcpCheckWaitsForTheListener) {
    const int port = freePort();
    ASSERT_GT(port, 0);
    const std::string listen =
        "/usr/bin/python3 -c 'import socket, time; s = socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        "s.bind((\"127.0.0.1\", " +
        std::to_string(port) + ")); s.listen(); time.sleep(6401)'";
    markers = {"/bin/sleep 6409"};
    startDaemon("services:\n" +
                service("db", waitGate("listen") + "\nexec " + listen,
                        {"ready: {tcp: \"127.0.0.1:" + std::to_string(port) + "\", interval: 100ms}",
                         "ready_timeout: 30s"}) +
                dependent("db"));
    expectReadyOnlyAfterGate("db", "listen");
    EXPECT_NE(reasonOf("db").find("ready"), std::string::npos) << reasonOf("db");
    // No http check, no libcurl (nor OpenSSL and the rest it brings) in the daemon.
    EXPECT_FALSE(mapsLibcurl(daemon->pid()));
}

TEST_F(ReadinessProbes, AnHttpCheckWaitsForTheStatusItWants) {
    const int port = freePort();
    ASSERT_GT(port, 0);
    // Serves the work directory: /ready answers 404 until the test creates the file.
    markers = {"/bin/sleep 6409"};
    startDaemon("services:\n" +
                service("web",
                        "exec /usr/bin/python3 -m http.server " + std::to_string(port) +
                            " --bind 127.0.0.1 --directory " + work.path(),
                        {"ready: {http: \"http://127.0.0.1:" + std::to_string(port) +
                             "/ready\", status: 200, interval: 100ms}",
                         "ready_timeout: 30s"}) +
                dependent("web"));
    expectReadyOnlyAfterGate("web", "ready");
    EXPECT_TRUE(mapsLibcurl(daemon->pid()));
}

TEST_F(ReadinessProbes, AnExecCheckWaitsForItsSuccess) {
    markers = {"/bin/sleep 6403", "/bin/sleep 6409"};
    startDaemon(
        "services:\n" +
        service("db", "exec /bin/sleep 6403",
                {"ready: {exec: [\"/usr/bin/test\", \"-e\", \"" + (work / "ok") + "\"], interval: 100ms}",
                 "ready_timeout: 30s"}) +
        dependent("db"));
    expectReadyOnlyAfterGate("db", "ok");
}

TEST_F(ReadinessProbes, ALogLineCheckWaitsForTheMatchingLine) {
    markers = {"/bin/sleep 6404", "/bin/sleep 6409"};
    startDaemon("services:\n" +
                service("db",
                        "echo 'starting up'\n" + waitGate("print") +
                            "\necho 'listening on port 5432' >&2\nexec /bin/sleep 6404",
                        {"ready: {log_line: \"listening on port [0-9]+\"}", "ready_timeout: 30s"}) +
                dependent("db"));
    expectReadyOnlyAfterGate("db", "print");
}

TEST_F(ReadinessProbes, ATcpCheckThatNeverPassesFailsAfterReadyTimeout) {
    const int port = freePort();
    ASSERT_GT(port, 0);
    markers = {"/bin/sleep 6405"};
    startDaemon("services:\n" +
                service("db", event("spawn") + "\nexec /bin/sleep 6405",
                        {"ready: {tcp: \"127.0.0.1:" + std::to_string(port) + "\", interval: 100ms}",
                         "ready_timeout: 1s", "start_retries: 0"}));
    ASSERT_TRUE(daemon->waitState("db", "FATAL")) << statusText() << daemon->log();
    EXPECT_NE(reasonOf("db").find("not ready within ready_timeout (1s)"), std::string::npos)
        << reasonOf("db");
}

// A health check that fails `failures` times in a row restarts the instance; one that passes leaves it.
TEST_F(ReadinessProbes, FailedHealthChecksRestartTheInstance) {
    markers = {"/bin/sleep 6406"};
    writeFile(work / "healthy", "");
    startDaemon("services:\n" + service("db", "exec /bin/sleep 6406",
                                        {"start_seconds: 0s",
                                         "health: {exec: [\"/usr/bin/test\", \"-e\", \"" +
                                             (work / "healthy") + "\"], interval: 200ms, failures: 2}"}));
    ASSERT_TRUE(daemon->waitState("db", "RUNNING")) << statusText() << daemon->log();
    const pid_t first = daemon->pidOf("db");
    ASSERT_GT(first, 0);

    std::remove((work / "healthy").c_str());
    std::string reasons;
    ASSERT_TRUE(waitFor([&] {
        auto p = daemon->process("db");
        if (p.is_null()) return false;
        reasons += p.value("state", "") + ": " + p.value("reason", "") + "\n";
        return p.value("pid", 0) != first && p.value("restarts", 0) >= 1;
    })) << statusText()
        << daemon->log();
    EXPECT_NE(reasons.find("health check failed 2 times"), std::string::npos) << reasons;

    EXPECT_TRUE(processesWithCmdline("/bin/sleep 6406").size() <= 1u) << "the unhealthy process was stopped";
}

// The case: an http ready and health check against a Python http.server that answers 200,
// then 503. After `failures` misses in a row the instance is restarted, with the status in the reason.
TEST_F(ReadinessProbes, AnHttpHealthCheckThatTurnsTo503RestartsTheInstance) {
    const int port = freePort();
    ASSERT_GT(port, 0);
    const std::string flag = work / "up";
    writeFile(flag, "");
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/healthz";
    const std::string server =
        "exec /usr/bin/python3 -c '\n"
        "import http.server, os\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200 if os.path.exists(\"" +
        flag +
        "\") else 503)\n"
        "        self.end_headers()\n"
        "    def log_message(self, *args):\n"
        "        pass\n"
        "http.server.HTTPServer((\"127.0.0.1\", " +
        std::to_string(port) + "), H).serve_forever()\n'";
    startDaemon("services:\n" +
                service("web", server,
                        {"ready: {http: \"" + url + "\", interval: 100ms}", "ready_timeout: 30s",
                         "health: {http: \"" + url + "\", interval: 200ms, timeout: 1s, failures: 3}"}));
    ASSERT_TRUE(daemon->waitState("web", "RUNNING")) << statusText() << daemon->log();
    EXPECT_NE(reasonOf("web").find("HTTP 200"), std::string::npos) << reasonOf("web");
    const pid_t first = daemon->pidOf("web");
    ASSERT_GT(first, 0);

    std::remove(flag.c_str());  // from now on it answers 503
    std::string reasons;
    ASSERT_TRUE(waitFor([&] {
        auto p = daemon->process("web");
        if (p.is_null()) return false;
        reasons += p.value("state", "") + ": " + p.value("reason", "") + "\n";
        const pid_t pid = p.value("pid", 0);
        return pid > 0 && pid != first && p.value("restarts", 0) >= 1;
    })) << statusText()
        << daemon->log();
    EXPECT_NE((reasons + daemon->log()).find("health check failed 3 times: HTTP 503"), std::string::npos)
        << reasons;
    // The new server answers 503 too: it is not ready, so it waits STARTING.
    EXPECT_EQ(daemon->process("web").value("state", ""), "STARTING") << statusText();
}

}  // namespace
