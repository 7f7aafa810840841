// Owns the set of process instances: applies configs and reloads, turns OS events (SIGCHLD, timer,
// output, exec status) into ProcessMachine events and performs the commands the machines answer with.
// Implements Control for the D-Bus adaptor. Single-threaded: everything runs from the EventLoop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ServiceSpec.h"
#include "core/Clock.h"
#include "core/ForkGate.h"
#include "core/LimitsWatch.h"
#include "core/ProcessMachine.h"
#include "core/TailBuffer.h"
#include "os/EventLoop.h"
#include "os/Pidfd.h"
#include "os/Spawner.h"
#include "os/TimerFd.h"
#include "supervisor/Control.h"
#include "supervisor/Diagnostics.h"
#include "supervisor/LogSinks.h"

namespace sup {

class Supervisor final : public Control {
  public:
    struct Options {
        std::string configPath;  // re-read on reload
        std::string version = "0";
        // Loads and validates a config (config::load in the daemon; a lambda in tests).
        std::function<Config(const std::string& path)> loadConfig;
        // Extra environment removed from every child (systemd's NOTIFY_SOCKET & co).
        std::vector<std::string> scrubEnvironment;
    };

    Supervisor(os::EventLoop& loop, os::Launcher& launcher, const ClockSource& clock,
               Diagnostics& diagnostics, Options options, Config initial);
    ~Supervisor() override;

    // Launch every autostart instance in ascending priority. Call once, after construction.
    void startAutostart();
    // Begin an orderly shutdown: stop by descending priority; `onDone` runs when nothing is left.
    void beginShutdown(std::function<void()> onDone);
    // To be called when SIGCHLD arrives: reaps every exited child.
    void onChildExited();
    void reopenLogs();

    std::size_t countIn(ProcessState s) const;
    const std::string& forkPressure() const { return forkPressure_; }  // "" when forks succeed

    // Control
    std::vector<ProcessInfo> list() const override;
    ProcessInfo get(const std::string& name) const override;
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
    const DaemonSettings& settings() const override { return config_.supervisor; }
    std::string version() const override { return options_.version; }
    void addObserver(ControlObserver* o) override { observers_.push_back(o); }
    void removeObserver(ControlObserver* o) override;

    void setDaemonState(DaemonState s);

  private:
    struct Stream {
        os::UniqueFd pipe;  // read end, registered in the loop while open
        std::unique_ptr<LogSink> sink;
        TailBuffer tail;
        Timestamper stamper;
    };
    struct Instance {
        Instance(const ServiceSpec& spec, std::string name, std::string group, unsigned index)
            : name(std::move(name)), group(std::move(group)), index(index), machine(spec) {}
        std::string name, group;
        unsigned index;
        ProcessMachine machine;
        pid_t pid = 0;
        std::optional<os::Pidfd> pidfd;
        os::UniqueFd execStatus;
        Stream out, err;
        std::optional<ServiceSpec> replacement;  // reload changed it: start with this once stopped
        bool removing = false;                   // reload removed it: forget once stopped
        bool startAfterReplace = false;          // it was wanted up when the reload changed it
    };

    Instance& find(const std::string& name);
    const Instance& find(const std::string& name) const;
    Instance& addInstance(const ServiceSpec& spec, const std::string& name, unsigned index);
    std::vector<Instance*> byPriority(bool descending);

    // Every event goes through here: run the machine's answer, report the transition.
    void afterEvent(Instance& inst, ProcessState before, MachineCommand cmd);
    void spawn(Instance& inst);
    void sendSignal(Instance& inst, int sig);
    // A transient spawn failure: queue at the ForkGate and return the episode's diagnosis.
    std::string underPressure(Instance& inst, const os::SpawnError& err);
    void onExecStatus(Instance& inst);
    void onOutput(Instance& inst, OutputStream which);
    void closeStream(Instance& inst, OutputStream which);
    void onTimer();
    void armTimer();
    void admitFromGate();
    void settle(Instance& inst);  // after it became inactive: apply a pending replacement/removal
    void checkShutdownProgress();
    void notifyStateChanged(Instance& inst, ProcessState before);
    void openSinks(Instance& inst);
    std::vector<std::string> childEnvironment(const Instance& inst) const;
    ProcessInfo infoOf(const Instance& inst) const;

    os::EventLoop& loop_;
    os::Launcher& launcher_;
    const ClockSource& clock_;
    Diagnostics& diagnostics_;
    Options options_;
    Config config_;
    std::map<std::string, std::unique_ptr<Instance>> instances_;
    std::map<pid_t, Instance*> byPid_;
    std::vector<ControlObserver*> observers_;
    os::TimerFd timer_;
    std::optional<TimePoint> armedFor_;
    bool timersDirty_ = true;
    std::mt19937_64 rng_;
    ForkGate gate_;
    std::string admitted_;      // the instance the ForkGate let through, forking now
    std::string forkPressure_;  // the diagnosis of the current fork-pressure episode
    TimePoint pressureSince_{};
    // Threshold warnings: the limits are read when something happens (a spawn, at most every
    // kLimitsCheckInterval, or `supctl limits`), never on a timer, so an idle daemon reads nothing.
    mutable LimitsWatch limitsWatch_;
    std::optional<TimePoint> lastLimitsCheck_;
    void reportLimitChanges(const LimitsReport& report) const;
    FileRegistry files_;
    DaemonState daemonState_ = DaemonState::Starting;
    // Shutdown: the priority level being stopped, then the next lower one.
    bool shuttingDown_ = false;
    std::function<void()> onShutdownDone_;
    std::vector<int> shutdownLevels_;
};

}  // namespace sup
