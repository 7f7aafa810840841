// `supctl status --json` with N instances (default 1000), against `busctl call` of the D-Bus methods it
// uses (ListProcessRows, and ListProcesses with an older daemon) and against `supervisorctl status` of
// Debian's Supervisor managing the same N programs.
// Usage: bench_status_bench [N] [RUNS]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/BenchUtil.h"

using namespace sup::test;
using namespace sup::bench;

namespace {

// Debian's supervisor: /usr/bin/supervisord (python) if the package is installed.
void benchSupervisor(int n, int runs) {
    const char* sd = "/usr/bin/supervisord";
    const char* sc = "/usr/bin/supervisorctl";
    if (::access(sd, X_OK) != 0 || ::access(sc, X_OK) != 0) {
        std::printf("%-44s skipped (apt-get install supervisor to compare)\n", "supervisorctl status");
        return;
    }
    TempDir dir("supbench");
    std::string conf = dir / "supervisord.conf";
    writeFile(conf, "[unix_http_server]\nfile=" + (dir / "s.sock") +
                        "\n[supervisord]\nlogfile=" + (dir / "log") + "\npidfile=" + (dir / "pid") +
                        "\nnodaemon=false\nminfds=16384\nchildlogdir=" + dir.path() +
                        "\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
                        "supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://" +
                        (dir / "s.sock") +
                        "\n[program:sleeper]\ncommand=sleep infinity\nnumprocs=" + std::to_string(n) +
                        "\nprocess_name=%(program_name)s_%(process_num)d\nstartsecs=0\nstdout_logfile=NONE\n"
                        "stderr_logfile=NONE\n");
    // It daemonizes; its stdio goes to /dev/null so the daemon does not hold runCommand's pipes open.
    auto r = runCommand({"/bin/sh", "-c", std::string(sd) + " -c " + conf + " </dev/null >/dev/null 2>&1"});
    if (r.exitCode != 0) {
        std::printf("supervisord (python) failed to start: %s\n", r.err.c_str());
        return;
    }
    bool up = waitFor(
        [&] {
            auto s = runCommand({sc, "-c", conf, "status"});
            std::size_t running = 0;
            for (std::size_t p = 0; (p = s.out.find("RUNNING", p)) != std::string::npos; ++p) ++running;
            return running >= static_cast<std::size_t>(n);
        },
        300s);
    if (up)
        print("supervisorctl status (Debian supervisor 4.2)",
              summarise(timeCommand({sc, "-c", conf, "status"}, {}, runs)));
    else
        std::printf("supervisor did not bring up %d programs in 300 s\n", n);
    runCommand({sc, "-c", conf, "shutdown"});
    waitFor([&] { return !std::filesystem::exists(dir / "pid"); }, 120s);
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 30;
    TestBus bus;
    TempDir conf("supbench");
    writeFile(conf / "bench.yaml",
              "services:\n  sleeper:\n    command: [sleep, infinity]\n    numprocs: " + std::to_string(n) +
                  "\n    start_seconds: 0\n    stdout: null\n    stderr: null\n");
    Daemon daemon(bus, conf.path(), {"--log-level", "warn"});
    if (!daemon.waitReady(120s)) {
        std::fprintf(stderr, "daemon did not start:\n%s\n", daemon.log().c_str());
        return 1;
    }
    auto t0 = Clock::now();
    bool all = waitFor(
        [&] {
            auto s = daemon.status();
            std::size_t running = 0;
            for (auto& p : s) running += p.value("state", "") == "RUNNING";
            return running == static_cast<std::size_t>(n);
        },
        300s);
    if (!all) {
        std::fprintf(stderr, "not all %d instances reached RUNNING\n", n);
        return 1;
    }
    std::printf("%d instances RUNNING %.0f ms after the daemon answered\n", n,
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    const std::map<std::string, std::string> env = {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()},
                                                    {"NO_COLOR", "1"}};
    print("supctl status --json", summarise(timeCommand({SUPCTL_BIN, "status", "--json"}, env, runs)));
    print("supctl status (table)", summarise(timeCommand({SUPCTL_BIN, "status"}, env, runs)));
    print("busctl call ListProcesses",
          summarise(timeCommand({"busctl", "--address=" + bus.address(), "call", "io.supervisord",
                                 "/io/supervisord", "io.supervisord.Manager1", "ListProcesses"},
                                {}, runs)));
    print("busctl call ListProcessRows",
          summarise(timeCommand({"busctl", "--address=" + bus.address(), "call", "io.supervisord",
                                 "/io/supervisord", "io.supervisord.Manager1", "ListProcessRows"},
                                {}, runs)));
    benchSupervisor(n, runs);
    daemon.terminate(120s);
    return 0;
}
