// Owns the set of process instances. It routes events (operator requests, reloads, shutdown, exits,
// exec status, output, deadlines) to each instance's ProcessMachine, which owns what the instance
// should do, and performs the commands the machine answers with. It decides nothing about an
// instance's lifecycle itself. Implements Control for the D-Bus adaptor. Single-threaded; every
// syscall goes through os::ProcessHost, so the simulation drives this very class with a fake OS.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ServiceSpec.h"
#include "core/Clock.h"
#include "core/DependencyIndex.h"
#include "core/ForkGate.h"
#include "core/LimitsWatch.h"
#include "core/OomKillWatch.h"
#include "core/ProcessMachine.h"
#include "core/TailBuffer.h"
#include "os/ProbeRunner.h"
#include "os/ProcessHost.h"
#include "supervisor/Control.h"
#include "supervisor/Diagnostics.h"
#include "supervisor/LogSinks.h"

namespace sup {

class Supervisor final : public Control, private os::ProcessHost::Events, private os::ProbeRunner::Events {
  public:
    struct Options {
        std::string configPath;  // re-read on reload
        std::string version = "0";
        // Loads and validates a config (config::load in the daemon; a lambda in tests).
        std::function<Config(const std::string& path)> loadConfig;
        // Extra environment removed from every child (systemd's NOTIFY_SOCKET & co).
        std::vector<std::string> scrubEnvironment;
        // What a shutdown asked for over the bus (Control::shutdown) does once everything is down.
        std::function<void()> onShutdownDone;
        // Applies the daemon-wide settings a reload read (the log level); nothing when unset.
        std::function<void(const DaemonSettings&)> applySettings;
        // Jitter of the ForkGate; the simulation fixes it so a seed replays exactly.
        std::optional<std::uint64_t> randomSeed;
        // Runs tcp and http checks (ready/health); without one, such a check always fails.
        os::ProbeRunner* probes = nullptr;
    };

    Supervisor(os::ProcessHost& host, const ClockSource& clock, Diagnostics& diagnostics, Options options,
               Config initial);
    ~Supervisor() override;

    // Launch every autostart instance in ascending priority. Call once, after construction.
    void startAutostart();
    // Begin an orderly shutdown: every instance's intent becomes "down for good"; they are stopped
    // by descending priority, then whatever orphan is left is killed; `onDone` runs when nothing is left.
    void beginShutdown(std::function<void()> onDone);
    bool shuttingDown() const { return shuttingDown_; }
    // To be called when SIGCHLD arrives: reaps every exited child.
    void onChildExited();
    void reopenLogs();

    std::size_t countIn(ProcessState s) const;
    std::size_t instanceCount() const { return instances_.size(); }    // without copying list()
    const std::string& forkPressure() const { return forkPressure_; }  // "" when forks succeed

    // Control
    void forEachProcess(const std::function<void(const ProcessInfo&)>& visit) const override;
    ProcessInfo get(const std::string& name) const override;
    ServiceSpec definition(const std::string& name) const override;
    std::vector<std::string> match(const std::vector<std::string>& patterns) const override;
    void start(const std::string& name) override;
    void stop(const std::string& name) override;
    void restart(const std::string& name) override;
    void signal(const std::string& name, int sig) override;
    ReloadResult reload() override;
    void shutdown() override;
    std::string tail(const std::string& name, OutputStream stream, unsigned lines) const override;
    std::vector<DoctorFinding> doctor(const std::string& name) const override;
    DaemonState daemonState() const override { return daemonState_; }
    LimitsReport limits() const override;
    const DaemonSettings& settings() const override { return settings_; }
    std::string version() const override { return options_.version; }
    void addObserver(ControlObserver* o) override { observers_.push_back(o); }
    void removeObserver(ControlObserver* o) override;

    void setDaemonState(DaemonState s);

    // For the simulation's invariants: what the supervisor believes about one instance.
    struct InstanceView {
        pid_t pid = 0;   // main process, 0 = none
        pid_t pgid = 0;  // group of the last main process (where leftovers are)
        const ProcessMachine* machine = nullptr;
        bool waitingAtGate = false;
    };
    std::optional<InstanceView> view(const std::string& name) const;
    std::vector<std::string> instanceNames() const;
    const DependencyIndex& dependencies() const { return deps_; }
    std::size_t waitingAtGate() const { return gate_.waiting(); }

  private:
    struct Stream {
        std::unique_ptr<LogSink> sink;
        TailBuffer tail;
        Timestamper stamper;
    };
    struct Instance {
        Instance(SharedSpec spec, std::string name, std::string group, unsigned index)
            : name(std::move(name)), group(std::move(group)), index(index), machine(std::move(spec)) {}
        std::string name, group;
        unsigned index;
        ProcessMachine machine;            // the instance's state and intent: the only copy of either
        pid_t pid = 0;                     // the main process, 0 when none
        pid_t pgid = 0;                    // the last main process's group, where leftovers are looked for
        os::ProcessHost::Token token = 0;  // the current spawn's output, 0 when none
        unsigned sinkGeneration = 0;       // machine.specGeneration() the sinks were opened for
        // Why a log target could not be opened ("" when both are open); shown in the status reason and
        // retried at SIGUSR1, reload and the next start. Output meanwhile is kept only in memory.
        std::string logError;
        std::optional<TimePoint> queuedDeadline;
        // The ready or health check of the current process (SupervisorProbes.cpp): when the next
        // attempt starts, the attempt in flight, the misses in a row. Reset when the state changes.
        struct Check {
            bool health = false;              // RUNNING's health check, else STARTING's ready check
            std::optional<TimePoint> nextAt;  // the next attempt, when none is in flight
            os::ProbeRunner::Id attempt = 0;  // a tcp/http attempt in flight, 0 = none
            pid_t execPid = 0;                // an exec attempt's child, 0 = none
            os::ProcessHost::Token execToken = 0;
            std::optional<TimePoint> execDeadline;  // SIGKILL the exec attempt's group then
            unsigned misses = 0;
        };
        std::optional<Check> check;
        std::string partialLine;                         // log_line readiness: the line being received
        std::shared_ptr<const std::regex> readyPattern;  // log_line, compiled from readyPatternSource
        std::string readyPatternSource;
        std::string notifyStatus;          // the current spawn's last STATUS=
        bool foreignNotifyWarned = false;  // a notify message from another process was logged
        std::string notifyPhase;  // "reloading" (RELOADING=1) or "stopping" (STOPPING=1) until READY=1
        ProcessState counted = ProcessState::Stopped;  // the state stateCounts_ has it in
        Stream out, err;
    };

    Instance* find(const std::string& name);
    const Instance* find(const std::string& name) const;
    Instance& getOrThrow(const std::string& name);  // throws NoSuchProcess
    Instance& addInstance(SharedSpec spec, const std::string& name, unsigned index);
    std::vector<const Instance*> byPriority() const;

    // Every event ends here: report the transition and perform the machine's answer. May erase `inst`
    // (Forget): nothing may touch it afterwards.
    void perform(Instance& inst, ProcessState before, MachineCommand cmd);
    // Tells the machine of an event and performs its answer: `event(machine)` returns the command. The
    // state before the event is taken first, so the transition is always reported.
    template <typename Event>
    void handle(Instance& inst, Event&& event) {
        const ProcessState before = inst.machine.state();
        MachineCommand cmd = event(inst.machine);
        perform(inst, before, cmd);
    }
    void performCommand(Instance& inst, ProcessState before, MachineCommand cmd);
    void forget(Instance& inst);

    // Dependencies (SupervisorDependencies.cpp). A start asked by an operator or autostart starts
    // what the instance requires and wants first; it is held until what it is ordered after is ready.
    struct DependencyGate {
        enum class Kind { Go, Wait, Fail } kind = Kind::Go;
        std::string why;  // "waiting for db (STARTING)", "dependency failed: db (FATAL)"
    };
    DependencyGate dependencyGate(const Instance& inst) const;
    void startWithDependencies(const std::string& name);
    void requestStart(Instance& inst, bool asked);
    // A stop of something others require: they stop first, each once what requires it is down.
    void stopWithDependents(const std::string& name);
    // After each event of `name`: release or fail the held starts waiting on it, and the stops
    // waiting for its dependents. A worklist, so a chain of 10,000 services does not recurse.
    void reviewDependencies(const std::string& name);
    void reviewHeldStart(const std::string& name);
    void reviewStop(const std::string& name);
    bool isUp(const Instance& inst) const;  // a process lives, or a start is coming
    // numprocs 1 <-> N: index 0 takes its new name ("web" <-> "web@0"); its process, state and tail stay.
    void renameInstance(Instance& inst, const std::string& to);
    void spawn(Instance& inst);
    void sendSignal(Instance& inst, int sig);
    // A transient spawn failure: queue at the ForkGate and return the episode's diagnosis.
    std::string underPressure(Instance& inst, const os::SpawnError& err);
    void notifyStateChanged(Instance& inst, ProcessState before);
    void recount(Instance& inst);
    void openSinks(Instance& inst);
    void retryFailedLogs();  // reopens the sinks of every instance whose log could not be opened
    void queueDeadline(Instance& inst);
    std::optional<TimePoint> nextDeadline(const Instance& inst) const;  // the machine's or the check's

    // Ready and health checks (SupervisorProbes.cpp).
    void updateCheck(Instance& inst);  // after each event: set up, keep or drop the check
    void dropCheck(Instance& inst);
    void runCheckIfDue(Instance& inst, TimePoint now);
    void startAttempt(Instance& inst, TimePoint now);
    void checkResult(const std::string& name, bool ok, const std::string& detail);
    void onExecCheckExited(const std::string& name, const ExitStatus& status);
    void matchReadyLines(Instance& inst, std::string_view data);
    void onProbeResult(os::ProbeRunner::Id id, const os::ProbeResult& result) override;
    void armTimer();
    void admitFromGate();
    void checkLeftovers();
    void advanceShutdown();
    std::vector<std::string> childEnvironment(const Instance& inst) const;
    // How the instance's processes run (user, environment, directory), with this command.
    os::SpawnRequest spawnRequest(const Instance& inst, const std::vector<std::string>& argv) const;
    ProcessInfo infoOf(const Instance& inst) const;
    void reportLimitChanges(const LimitsReport& report) const;
    // The threshold check after spawns: logs crossings, reading the limits only when it must.
    void checkLimitThresholds() const;
    std::vector<uid_t> serviceUids() const;  // the distinct `user:` uids of the instances

    // os::ProcessHost::Events
    void onOutput(os::ProcessHost::Token token, os::Stream stream, std::string_view data) override;
    void onOutputClosed(os::ProcessHost::Token token, os::Stream stream) override;
    void onExecStatus(os::ProcessHost::Token token, const std::optional<os::SpawnError>& error) override;
    void onNotify(os::ProcessHost::Token token, const os::NotifyDatagram& datagram) override;
    void onTimer() override;

    os::ProcessHost& host_;
    const ClockSource& clock_;
    Diagnostics& diagnostics_;
    Options options_;
    DaemonSettings settings_;           // the running configuration's `supervisor:` section
    std::vector<SharedSpec> services_;  // its services, by name; shared with the instances that run them
    std::map<std::string, std::unique_ptr<Instance>> instances_;
    // Instances per state, kept as transitions are reported: STATUS= and `countIn` read it once per
    // state change, and a count over instances_ there made a start of N services O(N^2).
    std::array<std::size_t, kProcessStateCount> stateCounts_{};
    // Secondary indexes hold names, never pointers: a lookup of a forgotten instance finds nothing.
    std::unordered_map<pid_t, std::string> byPid_;
    std::unordered_map<os::ProcessHost::Token, std::string> byToken_;
    std::set<std::pair<TimePoint, std::string>> deadlines_;  // every instance's next deadline
    std::set<std::string> cleaning_;                         // instances whose leftovers are being stopped
    os::ProcessHost::Token nextToken_ = 0;
    std::vector<ControlObserver*> observers_;
    std::mt19937_64 rng_;
    ForkGate gate_;
    std::string admitted_;      // the instance the ForkGate let through, forking now
    std::string forkPressure_;  // the diagnosis of the current fork-pressure episode
    TimePoint pressureSince_{};
    // Threshold warnings: the limits are read when something happens (a spawn, at most every
    // kLimitsCheckInterval, or `supctl limits`), never on an idle timer, so an idle daemon reads nothing.
    // A spawn only schedules the read, for the next turn of the loop: it scans /proc (about 15 us per
    // process on the host, 16 ms with 1,000 of them), and READY=1 or a D-Bus caller must not wait for it.
    // Even then, the scan runs only when a cheap bound cannot rule out every crossing
    // (checkLimitThresholds).
    mutable LimitsWatch limitsWatch_;
    std::optional<TimePoint> lastLimitsCheck_;
    bool limitsCheckDue_ = false;
    FileRegistry files_;
    OomKillWatch oomKills_;  // the memory cgroup's OOM-kill counter, read at start and at SIGKILL exits
    DaemonState daemonState_ = DaemonState::Starting;

    std::unordered_map<os::ProbeRunner::Id, std::string> checkAttempts_;  // tcp/http attempt -> instance
    std::unordered_map<pid_t, std::string> checkPids_;                    // exec attempt -> instance
    os::ProbeRunner::Id nextAttempt_ = 0;

    DependencyIndex deps_;
    std::set<std::string> stopAfterDependents_;  // stops waiting for what requires them to be down
    std::vector<std::string> dependencyQueue_;   // instances whose dependents are to be reviewed
    bool reviewingDependencies_ = false;

    // Shutdown: the instances still to stop, by level: dependents before what they depend on (the
    // stop rank), then by descending priority. A level is stopped once every earlier one is empty;
    // then the orphans nobody owns are killed.
    bool shuttingDown_ = false;
    bool advancing_ = false;
    std::function<void()> onShutdownDone_;
    using StopLevel = std::pair<unsigned, int>;  // (stop rank, -priority): ascending
    std::map<StopLevel, std::set<std::string>> shutdownPending_;
    std::optional<StopLevel> levelStopped_;
    bool orphansKilled_ = false;
    std::optional<TimePoint> orphanDeadline_;
};

}  // namespace sup
