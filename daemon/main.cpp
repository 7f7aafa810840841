// supervisord: reads YAML service definitions, keeps the services alive, serves its state on D-Bus.
// Always in the foreground (systemd Type=notify, or a terminal); never daemonizes itself.
#include <getopt.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "ConfigLoader.h"
#include "Plural.h"
#include "Preflight.h"
#include "bus/BusService.h"
#include "os/EventLoop.h"
#include "os/HeapTrim.h"
#include "os/LockFile.h"
#include "os/NofileLimit.h"
#include "os/RealProbeRunner.h"
#include "os/RealProcessHost.h"
#include "os/Reaper.h"
#include "os/SignalFd.h"
#include "os/Spawner.h"
#include "sd/ChildEnvironment.h"
#include "sd/Journal.h"
#include "sd/Notifier.h"
#include "sd/TestHooks.h"
#include "sd/UserDirectories.h"
#include "supervisor/LimitsDiagnostics.h"
#include "supervisor/StatusLine.h"
#include "supervisor/Supervisor.h"

#ifndef SUP_VERSION
#define SUP_VERSION "0"
#endif

namespace {

struct Args {
    std::string configPath = "/etc/supervisord";
    bool configGiven = false;  // -c; without it, --user reads the user's own directory
    bool userBus = false;
    bool check = false;
    std::optional<std::string> stateDir;
    std::optional<std::string> logLevel;
};

// The levels --log-level takes: the same as supervisor.log_level in the YAML.
constexpr const char* kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

bool isLogLevel(const std::string& name) {
    for (const char* level : kLogLevels)
        if (name == level) return true;
    return false;
}

void usage(std::FILE* to) {
    std::fprintf(to,
                 "Usage: supervisord [OPTIONS]\n"
                 "Keeps the services defined in YAML files running; control it with supctl.\n\n"
                 "  -c, --config PATH    YAML file, or directory of *.yaml files (default /etc/supervisord,\n"
                 "                       with --user $XDG_CONFIG_HOME/supervisord)\n"
                 "      --user           serve on the session bus instead of the system bus; state_dir and\n"
                 "                       log_dir default to $XDG_RUNTIME_DIR/supervisord and\n"
                 "                       $XDG_STATE_HOME/supervisord\n"
                 "      --check          validate the configuration and exit 0 (valid) or 1\n"
                 "      --state-dir DIR  where the lock file lives (overrides supervisor.state_dir)\n"
                 "      --log-level L    trace, debug, info, warn, error, critical or off\n"
                 "                       (overrides supervisor.log_level)\n"
                 "  -h, --help           this text\n"
                 "      --version        print the version\n");
}

int parseArgs(int argc, char** argv, Args& args) {
    enum { kUser = 1000, kCheck, kStateDir, kLogLevel, kVersion };
    static const option longOpts[] = {
        {"config", required_argument, nullptr, 'c'},
        {"user", no_argument, nullptr, kUser},
        {"check", no_argument, nullptr, kCheck},
        {"state-dir", required_argument, nullptr, kStateDir},
        {"log-level", required_argument, nullptr, kLogLevel},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, kVersion},
        {nullptr, 0, nullptr, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:h", longOpts, nullptr)) != -1) {
        switch (c) {
            case 'c':
                args.configPath = optarg;
                args.configGiven = true;
                break;
            case kUser:
                args.userBus = true;
                break;
            case kCheck:
                args.check = true;
                break;
            case kStateDir:
                args.stateDir = optarg;
                break;
            case kLogLevel:
                // Refused like a bad supervisor.log_level: a typo must not silently mean "info".
                if (!isLogLevel(optarg)) {
                    std::fprintf(stderr,
                                 "supervisord: --log-level: unknown level '%s' (one of trace, debug, info, "
                                 "warn, error, critical, off)\n",
                                 optarg);
                    return 2;
                }
                args.logLevel = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            case kVersion:
                std::printf("supervisord %s\n", SUP_VERSION);
                return 0;
            default:
                usage(stderr);
                return 2;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "supervisord: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    return -1;
}

// Keeps sd_notify's STATUS= and READY/RELOADING/STOPPING in step with the supervisor.
class SystemdReporter final : public sup::ControlObserver {
  public:
    SystemdReporter(sup::sd::Notifier& notifier, sup::Supervisor& sup) : notifier_(notifier), sup_(sup) {}
    void onStateChanged(const sup::ProcessInfo&, sup::ProcessState, const std::string&) override { update(); }
    void onProcessesAdded(const std::vector<std::string>&) override { update(); }
    void onProcessesRemoved(const std::vector<std::string>&) override { update(); }
    void onOutput(const std::string&, sup::OutputStream, std::string_view) override {}
    void onDaemonStateChanged(sup::DaemonState s) override {
        switch (s) {
            case sup::DaemonState::Running:
                notifier_.ready();
                break;
            case sup::DaemonState::Reloading:
                notifier_.reloading();
                break;
            case sup::DaemonState::Stopping:
                notifier_.stopping();
                break;
            case sup::DaemonState::Starting:
                break;
        }
        update();
    }
    // Shown in STATUS= while the D-Bus connection is away ("" once it is back).
    void setBusTrouble(std::string text) {
        busTrouble_ = std::move(text);
        update();
    }
    void update() { notifier_.status(sup::statusLine(sup_, busTrouble_)); }

  private:
    sup::sd::Notifier& notifier_;
    sup::Supervisor& sup_;
    std::string busTrouble_;
};

// A start or a reload leaves the freed YAML tree behind in the heap: hand those pages back once it is done.
class HeapTrimmer final : public sup::ControlObserver {
  public:
    void onStateChanged(const sup::ProcessInfo&, sup::ProcessState, const std::string&) override {}
    void onProcessesAdded(const std::vector<std::string>&) override {}
    void onProcessesRemoved(const std::vector<std::string>&) override {}
    void onOutput(const std::string&, sup::OutputStream, std::string_view) override {}
    void onDaemonStateChanged(sup::DaemonState s) override {
        if (s == sup::DaemonState::Running) sup::os::releaseFreedHeap();
    }
};

spdlog::level::level_enum levelOf(const std::string& name) {
    auto level = spdlog::level::from_str(name);
    // from_str answers "off" for anything it does not know; only "off" itself may mean off.
    if (level == spdlog::level::off && name != "off") return spdlog::level::info;
    return level;
}

int run(const Args& args) {
    // A user's daemon cannot write /run or /var/log: its defaults are the user's XDG directories.
    std::optional<sup::sd::UserDirectories> userDirs;
    if (args.userBus) userDirs = sup::sd::userDirectoriesFromEnvironment();
    sup::Config config;
    try {
        config = sup::config::load(args.configPath);
        if (userDirs) sup::sd::applyUserDefaults(config.supervisor, *userDirs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "supervisord: invalid configuration:\n%s\n", e.what());
        return 1;
    }
    if (args.check) {
        // Warnings, not errors (exit 0): at boot, one missing binary must not keep the other services
        // from starting.
        for (const auto& issue : sup::config::preflight(config))
            std::fprintf(stderr, "warning: %s\n", sup::config::formatIssue(issue).c_str());
        std::size_t instances = 0;
        for (auto& s : config.services) instances += s.numprocs;
        std::printf("%s: configuration OK (%s, %s, %s)\n", args.configPath.c_str(),
                    sup::countOf(config.services.size(), "service").c_str(),
                    sup::countOf(instances, "process", "processes").c_str(),
                    sup::countOf(config.files.size(), "file").c_str());
        return 0;
    }
    if (args.stateDir) config.supervisor.stateDir = *args.stateDir;
    const std::string level = args.logLevel.value_or(config.supervisor.logLevel);
    spdlog::set_default_logger(sup::sd::makeDaemonLogger(sup::sd::stderrIsJournal(), levelOf(level)));

    // One daemon per state directory; the kernel drops the flock when we die, so no stale lock.
    std::optional<sup::os::LockFile> lock;
    try {
        lock.emplace(sup::os::LockFile::acquire(config.supervisor.stateDir + "/supervisord.lock"));
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }

    // A reader that went away (a follower, a log pipe) must surface as EPIPE on that write, not kill the
    // daemon. Children get the default disposition back before exec (os/SpawnChild.cpp).
    if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        spdlog::critical("cannot ignore SIGPIPE: {}", std::strerror(errno));
        return 1;
    }
    sup::os::becomeSubreaper();
    sup::os::EventLoop loop;
    // A journal that does not keep up is waited on here, never in a blocking send().
    sup::sd::daemonJournal().attach(loop);
    struct DetachJournal {
        ~DetachJournal() { sup::sd::daemonJournal().detach(); }
    } detachJournal;
    sup::os::SignalFd signals({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2});
    sup::os::ForkExecLauncher launcher(sup::os::raiseNofileLimit());
    sup::os::RealProcessHost host(loop, launcher);
    sup::SteadyClock clock;
    sup::LimitsDiagnostics diagnostics;

    sup::Supervisor::Options options;
    options.configPath = args.configPath;
    options.version = SUP_VERSION;
    options.loadConfig = [stateDir = args.stateDir, userDirs](const std::string& path) {
        auto c = sup::config::load(path);
        if (userDirs) sup::sd::applyUserDefaults(c.supervisor, *userDirs);
        if (stateDir) c.supervisor.stateDir = *stateDir;
        return c;
    };
    options.scrubEnvironment = sup::sd::systemdOnlyEnvironment();
    // A reload applies supervisor.log_level, unless --log-level was given: the command line wins, as at
    // startup (an operator debugging with --log-level debug keeps it across reloads).
    if (!args.logLevel)
        options.applySettings = [](const sup::DaemonSettings& settings) {
            const auto wanted = levelOf(settings.logLevel);
            auto logger = spdlog::default_logger();
            if (logger->level() == wanted) return;
            // Said at warn so the change shows whichever way the level moves.
            spdlog::warn("log level {} -> {} (supervisor.log_level)",
                         spdlog::level::to_string_view(logger->level()),
                         spdlog::level::to_string_view(wanted));
            logger->set_level(wanted);
        };
    options.onShutdownDone = [&loop] { loop.stop(); };
    sup::os::RealProbeRunner probes(loop);
    options.probes = &probes;
    sup::Supervisor supervisor(host, clock, diagnostics, options, std::move(config));

    sup::sd::Notifier notifier(loop);
    SystemdReporter reporter(notifier, supervisor);
    HeapTrimmer trimmer;
    supervisor.addObserver(&reporter);
    supervisor.addObserver(&trimmer);
    // However run() is left, the observers (destroyed first) must not stay registered.
    struct Unobserve {
        sup::Supervisor& sup;
        sup::ControlObserver* observer;
        ~Unobserve() { sup.removeObserver(observer); }
    } unobserveReporter{supervisor, &reporter}, unobserveTrimmer{supervisor, &trimmer};

    loop.add(signals.fd(), EPOLLIN, [&](std::uint32_t) {
        for (int sig : signals.readAll()) {
            switch (sig) {
                case SIGCHLD:
                    supervisor.onChildExited();
                    break;
                case SIGTERM:
                case SIGINT:
                    spdlog::info("received SIG{}, stopping", sup::signalName(sig));
                    supervisor.beginShutdown([&loop] { loop.stop(); });
                    break;
                case SIGHUP:
                    (void)supervisor.reload();
                    break;
                case SIGUSR1:
                    supervisor.reopenLogs();
                    break;
                case SIGUSR2:
                    (void)sup::sd::wedgeEventLoopIfTestHooksEnabled();
                    break;
            }
        }
    });

    std::unique_ptr<sup::bus::BusService> bus;
    try {
        sup::bus::BusOptions busOptions;
        busOptions.userBus = args.userBus;
        busOptions.configPath = args.configPath;
        // A lost bus is no outage: the services keep running while BusService reconnects.
        busOptions.onConnectionChanged =
            [&reporter, busName = std::string(args.userBus ? "session" : "system")](bool connected) {
                reporter.setBusTrouble(connected ? "" : busName + " bus lost, reconnecting");
            };
        bus = std::make_unique<sup::bus::BusService>(loop, supervisor, std::move(busOptions));
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }

    supervisor.startAutostart();
    supervisor.setDaemonState(sup::DaemonState::Running);  // READY=1: config loaded, name owned, all launched
    spdlog::info("supervisord {} running with {} from {} (pid {})", SUP_VERSION,
                 sup::countOf(supervisor.instanceCount(), "process", "processes"), args.configPath,
                 ::getpid());

    // An exception out of one event handler is a bug, but the services must not pay for it: under
    // systemd the daemon's exit takes every one of them down. It is logged as critical (tests fail on
    // that), and the loop goes on.
    for (;;) {
        try {
            loop.run();
            break;
        } catch (const std::exception& e) {
            spdlog::critical("unexpected error in the event loop, carrying on: {}", e.what());
        }
    }
    spdlog::info("supervisord stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    int rc = parseArgs(argc, argv, args);
    if (rc >= 0) return rc;
    if (args.userBus && !args.configGiven) args.configPath = sup::sd::userDirectoriesFromEnvironment().config;
    try {
        return run(args);
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}
