// A hostile local user against a legitimate operator. As uid nobody, a client loops on the most
// expensive call it is allowed to make (measured first among the public ones), while `supctl status`
// runs every 100 ms. Prints p50/p99 of the legitimate call without and with the hostile client, and the
// longest gap between the daemon's watchdog pings (WATCHDOG_USEC=2s, so pings every 1 s; a gap over
// 2 s is a miss systemd would act on). Target: hostile p99 <= 3x quiet p99, no watchdog miss.
// Usage: bench_hostile_client_bench [INSTANCES] [SECONDS_PER_PHASE] [HOSTILE_CLIENTS]
//        bench_hostile_client_bench --hostile ADDRESS METHOD   (the hostile loop itself; run as nobody)
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bench/BenchUtil.h"

using namespace sup::test;
using namespace sup::bench;

namespace {

constexpr const char* kManager = "io.supervisord.Manager1";

// The public calls a caller without any group can make, by name; each runs once per call().
void call(sdbus::IProxy& proxy, const std::string& method) {
    if (method == "ListProcesses") {
        std::vector<std::map<std::string, sdbus::Variant>> out;
        proxy.callMethod("ListProcesses").onInterface(kManager).storeResultsTo(out);
    } else if (method == "GetLimits") {
        proxy.callMethod("GetLimits").onInterface(kManager);
    } else if (method == "MatchMax") {
        // As many patterns as the daemon accepts, each with as many wildcards as it accepts.
        std::vector<std::string> patterns(256, "*?*?*[a-z]*?");  // 8 wildcards
        std::vector<std::string> out;
        proxy.callMethod("Match").onInterface(kManager).withArguments(patterns).storeResultsTo(out);
    } else if (method == "GetAll") {
        proxy.callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string(kManager));
    }
}

int hostileLoop(const std::string& address, const std::string& method) {
    auto connection = sdbus::createSessionBusConnectionWithAddress(address);
    auto proxy = sdbus::createProxy(*connection, "io.supervisord", "/io/supervisord");
    for (;;) {
        try {
            call(*proxy, method);
        } catch (const sdbus::Error& e) {
            std::fprintf(stderr, "hostile %s: %s: %s\n", method.c_str(), e.getName().c_str(),
                         e.getMessage().c_str());
            return 1;
        }
    }
}

// Milliseconds one call takes, median of `runs`. Measured as root: a public call does the same work
// for the daemon whoever makes it.
double costOf(const std::string& address, const std::string& method, int runs) {
    auto connection = sdbus::createSessionBusConnectionWithAddress(address);
    auto proxy = sdbus::createProxy(*connection, "io.supervisord", "/io/supervisord");
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        call(*proxy, method);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return summarise(ms).p50;
}

// Receives the daemon's sd_notify datagrams and keeps the longest gap between WATCHDOG=1 pings.
class WatchdogMonitor {
  public:
    explicit WatchdogMonitor(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            throw std::runtime_error("bind");
        timeval tv{0, 200000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        thread_ = std::thread([this] { run(); });
    }
    ~WatchdogMonitor() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    // Longest gap since the last reset (ms), counting the time since the last ping.
    double takeMaxGap() {
        std::lock_guard lock(mu_);
        double now = sinceLast();
        double gap = std::max(maxGap_, now);
        maxGap_ = 0;
        return gap;
    }
    int pings() const { return pings_; }

  private:
    double sinceLast() const {
        return last_ == Clock::time_point{}
                   ? 0
                   : std::chrono::duration<double, std::milli>(Clock::now() - last_).count();
    }
    void run() {
        char buf[4096];
        while (!stop_) {
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) continue;
            if (std::string(buf, static_cast<std::size_t>(n)).find("WATCHDOG=1") == std::string::npos)
                continue;
            std::lock_guard lock(mu_);
            if (last_ != Clock::time_point{}) maxGap_ = std::max(maxGap_, sinceLast());
            last_ = Clock::now();
            ++pings_;
        }
    }
    std::string path_;
    int fd_ = -1;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    Clock::time_point last_{};
    double maxGap_ = 0;
    std::atomic<int> pings_{0};
};

// `supctl status` every 100 ms for `seconds`; wall time of each (ms).
std::vector<double> legitimateStatus(const std::map<std::string, std::string>& env, int seconds) {
    std::vector<double> ms;
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    auto next = Clock::now();
    while (Clock::now() < end) {
        auto t0 = Clock::now();
        auto r = runCommand({SUPCTL_BIN, "status"}, env);
        auto t1 = Clock::now();
        if (r.exitCode != 0 && r.exitCode != 3)
            std::fprintf(stderr, "supctl status failed: %s\n", r.err.c_str());
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        next += std::chrono::milliseconds(100);
        if (next > Clock::now())
            std::this_thread::sleep_until(next);  // the operator's own pace
        else
            next = Clock::now();
    }
    return ms;
}

// Starts `self --hostile ADDRESS METHOD` as nobody.
pid_t startHostile(const std::string& self, const std::string& address, const std::string& method) {
    std::vector<std::string> argv = {
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", self,
        "--hostile",        address,         method};
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    return pid;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--hostile") return hostileLoop(argv[2], argv[3]);
    const int n = argc > 1 ? std::atoi(argv[1]) : 200;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
    const int clients = argc > 3 ? std::atoi(argv[3]) : 1;
    char self[4096];
    const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return 1;
    self[len] = '\0';

    TestBus bus;
    TempDir conf("supbench");
    TempDir scratch("supbench");
    WatchdogMonitor watchdog(scratch / "notify");
    writeFile(conf / "bench.yaml", "services:\n  sleeper:\n    command: [sleep, infinity]\n    numprocs: " +
                                       std::to_string(n) + "\n    start_seconds: 0\n");
    DaemonOptions options;
    options.args = {"--log-level", "warn"};
    options.env = {{"NOTIFY_SOCKET", scratch / "notify"}, {"WATCHDOG_USEC", "2000000"}};
    Daemon daemon(bus, conf.path(), options);
    if (!daemon.waitReady(120s)) {
        std::fprintf(stderr, "daemon did not start:\n%s\n", daemon.log().c_str());
        return 1;
    }
    waitFor(
        [&] {
            std::size_t running = 0;
            for (auto& p : daemon.status()) running += p.value("state", "") == "RUNNING";
            return running == static_cast<std::size_t>(n);
        },
        300s);

    std::string worst;
    double worstMs = -1;
    for (const char* method : {"ListProcesses", "GetLimits", "MatchMax", "GetAll"}) {
        double ms = 0;
        try {
            ms = costOf(bus.address(), method, 20);
        } catch (const sdbus::Error& e) {
            std::fprintf(stderr, "%s failed: %s\n", method, e.getMessage().c_str());
            continue;
        }
        std::printf("%-44s p50=%8.2f ms per call\n", (std::string("cost of ") + method).c_str(), ms);
        if (ms > worstMs) {
            worstMs = ms;
            worst = method;
        }
    }
    std::printf("hostile clients loop on %s (%d of them, as nobody)\n", worst.c_str(), clients);

    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};
    watchdog.takeMaxGap();
    const Summary quiet = summarise(legitimateStatus(env, seconds));
    const double quietGap = watchdog.takeMaxGap();

    std::vector<pid_t> hostile;
    for (int i = 0; i < clients; ++i) hostile.push_back(startHostile(self, bus.address(), worst));
    const Summary loaded = summarise(legitimateStatus(env, seconds));
    const double loadedGap = watchdog.takeMaxGap();
    for (pid_t pid : hostile) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            std::fprintf(stderr, "a hostile client ended early (status %d)\n", status);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }

    print("supctl status, quiet", quiet);
    print(("supctl status, hostile " + worst).c_str(), loaded);
    std::printf("p99 ratio hostile/quiet: %.2fx (target <= 3x)\n",
                quiet.p99 > 0 ? loaded.p99 / quiet.p99 : 0.0);
    std::printf("longest watchdog gap: quiet %.0f ms, hostile %.0f ms (a miss is > 2000 ms); %d pings\n",
                quietGap, loadedGap, watchdog.pings());
    daemon.terminate(120s);
    return loadedGap > 2000 ? 2 : 0;
}
