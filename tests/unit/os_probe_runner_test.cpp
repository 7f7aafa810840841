// RealProbeRunner on the real EventLoop with real loopback sockets: tcp connects, http answers (a small
// server thread in the test), timeouts, cancel, and many probes at once. Results only come from the loop.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "os/EventLoop.h"
#include "os/ProbeAddress.h"
#include "os/RealProbeRunner.h"
#include "os/UniqueFd.h"
#include "unit/os_test_helpers.h"

namespace sup::os::test {
namespace {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
constexpr auto kGiveUp = 20s;  // generous: sanitizers and a loaded machine

// A TCP socket bound to an ephemeral loopback port; listening only when asked (bound and not listening,
// it refuses connections, and keeping it open keeps the port from being reused meanwhile).
struct LoopbackSocket {
    UniqueFd fd;
    std::uint16_t port = 0;

    explicit LoopbackSocket(int family = AF_INET) : fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        if (!fd) throw std::runtime_error("socket");
        sockaddr_storage storage{};
        socklen_t length = 0;
        if (family == AF_INET) {
            auto* in = reinterpret_cast<sockaddr_in*>(&storage);
            in->sin_family = AF_INET;
            in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            length = sizeof *in;
        } else {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_addr = in6addr_loopback;
            length = sizeof *in6;
        }
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) < 0)
            throw std::runtime_error("bind");
        if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&storage), &length) < 0)
            throw std::runtime_error("getsockname");
        port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    }
    void listen(int backlog) {
        if (::listen(fd.get(), backlog) < 0) throw std::runtime_error("listen");
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

// A listening socket whose accept queue is full (backlog 0, one connection queued and never accepted):
// Linux drops further SYNs, so a connect to it stays in progress until the caller gives up.
struct FullAcceptQueue {
    LoopbackSocket listener;
    std::vector<UniqueFd> queued;

    FullAcceptQueue() {
        listener.listen(0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(listener.port);
        for (int i = 0; i < 2; ++i) {
            UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            (void)::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to);
            queued.push_back(std::move(client));
        }
    }
};

// A tiny HTTP/1.1 server on a thread: answers every request with a fixed response, or (silent) accepts
// and never answers. It keeps the last request it read.
class HttpServer {
  public:
    static HttpServer answering(std::string response) { return HttpServer(std::move(response), false); }
    static HttpServer silent() { return HttpServer({}, true); }

    HttpServer(HttpServer&& other) = delete;
    ~HttpServer() {
        stop_ = true;
        thread_.join();
    }

    std::string url(const std::string& path = "/") const { return socket_.url(path); }
    int accepted() const { return accepted_; }
    int closed() const { return closed_; }
    std::string lastRequest() {
        std::lock_guard lock(mutex_);
        return lastRequest_;
    }

  private:
    HttpServer(std::string response, bool silent) : response_(std::move(response)), silent_(silent) {
        socket_.listen(256);
        thread_ = std::thread([this] { serve(); });
    }

    void serve() {
        std::vector<UniqueFd> held;
        while (!stop_) {
            pollfd p{socket_.fd.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            UniqueFd conn(::accept4(socket_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!conn) continue;
            ++accepted_;
            if (silent_) {
                held.push_back(std::move(conn));
                continue;
            }
            std::string request;
            char buf[4096];
            while (request.find("\r\n\r\n") == std::string::npos) {
                pollfd c{conn.get(), POLLIN, 0};
                if (::poll(&c, 1, 5000) <= 0) break;
                ssize_t n = ::read(conn.get(), buf, sizeof buf);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
                if (request[0] == '\x16') break;  // a TLS handshake: no HTTP request will come
            }
            {
                std::lock_guard lock(mutex_);
                lastRequest_ = request;
            }
            (void)!::write(conn.get(), response_.data(), response_.size());
            conn.reset();
            ++closed_;
        }
    }

    LoopbackSocket socket_;
    std::string response_;
    bool silent_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::atomic<int> closed_{0};
    std::mutex mutex_;
    std::string lastRequest_;
    std::thread thread_;
};

std::string response(int status, const std::string& reason, const std::string& extra = {}) {
    std::string body = "body of " + std::to_string(status) + "\n";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra +
           "\r\n" + body;
}

ProbeSpec tcp(const std::string& address, Duration timeout = 2s) {
    ProbeSpec spec;
    spec.kind = ProbeKind::Tcp;
    spec.address = address;
    spec.timeout = timeout;
    return spec;
}

ProbeSpec http(const std::string& url, int status = 200, Duration timeout = 2s) {
    ProbeSpec spec;
    spec.kind = ProbeKind::Http;
    spec.url = url;
    spec.httpStatus = status;
    spec.timeout = timeout;
    return spec;
}

struct Recorder : ProbeRunner::Events {
    std::map<ProbeRunner::Id, ProbeResult> results;
    int calls = 0;
    void onProbeResult(ProbeRunner::Id id, const ProbeResult& result) override {
        ++calls;
        results[id] = result;
    }
};

struct Fixture : ::testing::Test {
    EventLoop loop;
    RealProbeRunner runner{loop};
    Recorder recorder;

    Fixture() { runner.setEvents(&recorder); }

    // Runs the loop until `count` results are in (or the generous deadline passes).
    void runUntilResults(std::size_t count) {
        const auto giveUp = Clock::now() + kGiveUp;
        while (recorder.results.size() < count && Clock::now() < giveUp) loop.runOnce(100);
    }
    void runFor(Ms duration) {
        const auto until = Clock::now() + duration;
        while (Clock::now() < until) loop.runOnce(static_cast<int>(Ms(10).count()));
    }
    // The first http check makes curl's multi handle (a timer and curl's own fds), which then lives as long
    // as the runner: fd counts that must come back to where they were start after it.
    void warmUpHttp() {
        LoopbackSocket notListening;
        (void)probe(http(notListening.url()));
        recorder.results.clear();
        recorder.calls = 0;
    }
    ProbeResult probe(const ProbeSpec& spec) {
        const ProbeRunner::Id id = 1000 + recorder.results.size();
        const int callsBefore = recorder.calls;
        runner.start(id, spec);
        EXPECT_EQ(recorder.calls, callsBefore) << "a result came from inside start()";
        runUntilResults(recorder.results.size() + 1);
        EXPECT_EQ(recorder.results.count(id), 1u) << "no result before the deadline";
        return recorder.results[id];
    }
};

using ProbeRunnerTcp = Fixture;
using ProbeRunnerHttp = Fixture;
using ProbeRunnerLifecycle = Fixture;

TEST(ProbeAddress, AcceptsIpLiteralsAndLocalhostOnly) {
    EXPECT_EQ(parseProbeAddress("127.0.0.1:6379").size(), 1u);
    ASSERT_EQ(parseProbeAddress("[::1]:6379").size(), 1u);
    EXPECT_EQ(parseProbeAddress("[::1]:6379")[0].family(), AF_INET6);
    auto localhost = parseProbeAddress("localhost:80");
    ASSERT_EQ(localhost.size(), 2u);
    EXPECT_EQ(localhost[0].family(), AF_INET);
    EXPECT_EQ(localhost[1].family(), AF_INET6);
    for (const char* bad : {"example.com:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:8x",
                            "::1:80", "[::1]", "[::1:80", "[127.0.0.1]:80", ":80", "localhost:"}) {
        EXPECT_THROW(parseProbeAddress(bad), std::invalid_argument) << bad;
    }
}

TEST_F(ProbeRunnerTcp, ConnectsToAListeningSocket) {
    LoopbackSocket server;
    server.listen(16);
    ProbeResult result = probe(tcp(server.address()));
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.detail, "connected");
    EXPECT_EQ(runner.inFlight(), 0u);
}

TEST_F(ProbeRunnerTcp, ClosedPortIsConnectionRefused) {
    LoopbackSocket notListening;
    ProbeResult result = probe(tcp(notListening.address()));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "connection refused");
}

TEST_F(ProbeRunnerTcp, LocalhostTriesIpv4ThenIpv6) {
    std::optional<LoopbackSocket> v6;
    try {
        v6.emplace(AF_INET6);
    } catch (const std::exception&) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    v6->listen(16);
    // Nothing listens on 127.0.0.1 at that port (almost surely): the ::1 attempt is the one that connects.
    ProbeResult result = probe(tcp("localhost:" + std::to_string(v6->port)));
    EXPECT_TRUE(result.ok) << result.detail;
    EXPECT_TRUE(probe(tcp("[::1]:" + std::to_string(v6->port))).ok);
}

TEST_F(ProbeRunnerTcp, NoAnswerTimesOutAtTheTimeout) {
    FullAcceptQueue full;
    const auto started = Clock::now();
    ProbeResult result = probe(tcp(full.listener.address(), 300ms));
    const auto took = Clock::now() - started;
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "timed out after 300ms");
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 5s);
}

TEST_F(ProbeRunnerTcp, AnAddressThatIsNotOneFailsFromTheLoop) {
    runner.start(1, tcp("db.example.com:5432"));
    EXPECT_EQ(recorder.calls, 0);  // even an immediate failure waits for the loop
    runUntilResults(1);
    ASSERT_EQ(recorder.results.count(1), 1u);
    EXPECT_FALSE(recorder.results[1].ok);
    EXPECT_NE(recorder.results[1].detail.find("no DNS"), std::string::npos) << recorder.results[1].detail;
}

TEST_F(ProbeRunnerHttp, ExpectedStatusIsASuccess) {
    HttpServer server = HttpServer::answering(response(200, "OK"));
    ProbeResult result = probe(http(server.url("/healthz")));
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.detail, "HTTP 200");
    std::string request = server.lastRequest();
    EXPECT_EQ(request.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << request;
    EXPECT_NE(request.find("\r\nUser-Agent: supervisord-probe\r\n"), std::string::npos) << request;
}

TEST_F(ProbeRunnerHttp, OtherStatusIsAFailureNamingIt) {
    HttpServer server = HttpServer::answering(response(503, "Service Unavailable"));
    ProbeResult result = probe(http(server.url()));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "HTTP 503");
    // ... and the expected one when configured so.
    EXPECT_TRUE(probe(http(server.url(), 503)).ok);
}

TEST_F(ProbeRunnerHttp, RedirectIsTheAnswerNotFollowed) {
    HttpServer server = HttpServer::answering(response(301, "Moved", "Location: http://127.0.0.1:1/\r\n"));
    ProbeResult result = probe(http(server.url()));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "HTTP 301");
    EXPECT_EQ(server.accepted(), 1);
}

TEST_F(ProbeRunnerHttp, ProxyEnvironmentIsIgnored) {
    HttpServer server = HttpServer::answering(response(200, "OK"));
    LoopbackSocket deadProxy;
    const std::string proxy = "http://" + deadProxy.address();
    ::setenv("http_proxy", proxy.c_str(), 1);
    ::setenv("HTTP_PROXY", proxy.c_str(), 1);
    ::setenv("ALL_PROXY", proxy.c_str(), 1);
    ProbeResult result = probe(http(server.url()));
    ::unsetenv("http_proxy");
    ::unsetenv("HTTP_PROXY");
    ::unsetenv("ALL_PROXY");
    EXPECT_TRUE(result.ok) << result.detail;
}

TEST_F(ProbeRunnerHttp, ClosedPortIsConnectionRefused) {
    LoopbackSocket notListening;
    ProbeResult result = probe(http(notListening.url()));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "connection refused");
}

TEST_F(ProbeRunnerHttp, ServerThatNeverAnswersTimesOut) {
    HttpServer server = HttpServer::silent();
    const auto started = Clock::now();
    ProbeResult result = probe(http(server.url(), 200, 300ms));
    const auto took = Clock::now() - started;
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail, "timed out after 300ms");
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 5s);
}

TEST_F(ProbeRunnerHttp, HttpsSpeaksTlsAndFailsAgainstPlainHttp) {
    HttpServer server = HttpServer::answering(response(200, "OK"));
    std::string url = server.url();
    url.replace(0, 4, "https");
    ProbeResult result = probe(http(url));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.detail.find("HTTP"), std::string::npos) << result.detail;
    EXPECT_NE(result.detail.find("SSL"), std::string::npos) << result.detail;
    EXPECT_EQ(server.accepted(), 1);  // https was tried, not refused as a scheme
}

TEST_F(ProbeRunnerHttp, OtherSchemesAreRefused) {
    ProbeResult result = probe(http("ftp://127.0.0.1:1/"));
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.detail.find("ftp"), std::string::npos) << result.detail;
}

TEST_F(ProbeRunnerLifecycle, StartReturnsAtOnceWhileTheServerIsSlow) {
    HttpServer server = HttpServer::silent();
    FullAcceptQueue full;
    for (ProbeRunner::Id id = 1; id <= 20; ++id) {
        const auto started = Clock::now();
        runner.start(id, id % 2 ? http(server.url(), 200, 5s) : tcp(full.listener.address(), 5s));
        const auto took = Clock::now() - started;
        // A start() that blocked would wait out the 5 s timeout. The bound is far below that and far
        // above what the first one costs on a loaded CI machine (it dlopen()s libcurl: 12 ms seen).
        EXPECT_LT(took, 1s) << "start() of probe " << id << " blocked";
    }
    runFor(200ms);
    EXPECT_EQ(recorder.calls, 0);
    EXPECT_EQ(runner.inFlight(), 20u);
}

TEST_F(ProbeRunnerLifecycle, CancelReportsNothingAndReleasesEverything) {
    HttpServer server = HttpServer::silent();
    FullAcceptQueue full;
    warmUpHttp();
    const std::size_t before = test::openFds();
    runner.start(1, http(server.url(), 200, 300ms));
    runner.start(2, tcp(full.listener.address(), 300ms));
    const auto giveUp = Clock::now() + kGiveUp;
    while (server.accepted() < 1 && Clock::now() < giveUp) loop.runOnce(10);
    ASSERT_EQ(server.accepted(), 1);
    LoopbackSocket refused;
    runner.start(3, tcp(refused.address()));  // may fail at once: its result is then already queued
    runner.cancel(1);
    runner.cancel(2);
    runner.cancel(3);
    runner.cancel(99);  // unknown: ignored
    EXPECT_EQ(runner.inFlight(), 0u);
    runFor(600ms);  // past both timeouts
    EXPECT_EQ(recorder.calls, 0);
    // What is left open: the refused port's socket and the connection the silent server holds.
    EXPECT_EQ(test::openFds(), before + 1 + static_cast<std::size_t>(server.accepted()));
}

TEST_F(ProbeRunnerLifecycle, DestructorReleasesWhatIsInFlight) {
    HttpServer server = HttpServer::silent();
    FullAcceptQueue full;
    const std::size_t before = test::openFds();
    {
        RealProbeRunner other(loop);
        other.setEvents(&recorder);
        other.start(1, http(server.url(), 200, 5s));
        other.start(2, tcp(full.listener.address(), 5s));
        const auto giveUp = Clock::now() + kGiveUp;
        while (server.accepted() < 1 && Clock::now() < giveUp) loop.runOnce(10);
    }
    runFor(100ms);
    EXPECT_EQ(recorder.calls, 0);
    EXPECT_EQ(test::openFds(), before + static_cast<std::size_t>(server.accepted()));
}

TEST_F(ProbeRunnerLifecycle, HundredConcurrentProbesAreAllAnswered) {
    HttpServer server = HttpServer::answering(response(200, "OK"));
    LoopbackSocket listening;
    listening.listen(256);
    warmUpHttp();
    const std::size_t before = test::openFds();
    for (ProbeRunner::Id id = 0; id < 100; ++id)
        runner.start(id, id % 2 ? http(server.url(), 200, 10s) : tcp(listening.address(), 10s));
    EXPECT_EQ(runner.inFlight(), 100u);
    runUntilResults(100);
    ASSERT_EQ(recorder.results.size(), 100u);
    EXPECT_EQ(recorder.calls, 100);
    for (auto& [id, result] : recorder.results) EXPECT_TRUE(result.ok) << id << ": " << result.detail;
    EXPECT_EQ(runner.inFlight(), 0u);
    // Every probe's socket is closed (the tcp ones wait, unaccepted, in the listener's queue, which
    // holds no fd of ours; the server has closed its side of each http one).
    const auto giveUp = Clock::now() + kGiveUp;
    while (server.closed() < 50 && Clock::now() < giveUp) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(test::openFds(), before);
}

TEST_F(ProbeRunnerLifecycle, ResultHandlerMayStartAndCancel) {
    LoopbackSocket listening;
    listening.listen(16);
    // On the first result, start another and cancel one that is still in flight.
    struct Chaining : ProbeRunner::Events {
        RealProbeRunner* runner = nullptr;
        std::string address;
        std::vector<ProbeRunner::Id> seen;
        void onProbeResult(ProbeRunner::Id id, const ProbeResult&) override {
            seen.push_back(id);
            if (id == 1) {
                runner->cancel(2);
                runner->start(3, tcp(address));
            }
        }
    } chaining;
    chaining.runner = &runner;
    chaining.address = listening.address();
    runner.setEvents(&chaining);
    FullAcceptQueue full;
    runner.start(1, tcp(listening.address()));
    runner.start(2, tcp(full.listener.address(), 5s));
    const auto giveUp = Clock::now() + kGiveUp;
    while (chaining.seen.size() < 2 && Clock::now() < giveUp) loop.runOnce(100);
    EXPECT_EQ(chaining.seen, (std::vector<ProbeRunner::Id>{1, 3}));
    EXPECT_EQ(runner.inFlight(), 0u);
}

}  // namespace
}  // namespace sup::os::test
