// The Control side of the Supervisor: operator requests, reload, shutdown, snapshots.
#include <fnmatch.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "core/ConfigDiff.h"
#include "supervisor/Supervisor.h"

namespace sup {

namespace {
std::int64_t realtimeUsecOf(TimePoint t, TimePoint steadyNow) {
    auto real = std::chrono::system_clock::now() - (steadyNow - t);
    return std::chrono::duration_cast<std::chrono::microseconds>(real.time_since_epoch()).count();
}

std::string joinCommand(const std::vector<std::string>& argv) {
    std::string out;
    for (auto& a : argv) {
        if (!out.empty()) out += ' ';
        bool quote = a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos;
        out += quote ? "'" + a + "'" : a;
    }
    return out;
}
}  // namespace

std::string_view toString(DaemonState s) {
    switch (s) {
        case DaemonState::Starting:
            return "starting";
        case DaemonState::Running:
            return "running";
        case DaemonState::Reloading:
            return "reloading";
        case DaemonState::Stopping:
            return "stopping";
    }
    return "unknown";
}

ProcessInfo Supervisor::infoOf(const Instance& inst) const {
    const auto now = clock_.now();
    const auto& m = inst.machine;
    ProcessInfo info;
    info.name = inst.name;
    info.group = inst.group;
    info.state = m.state();
    info.pid = inst.pid;
    info.restarts = m.restarts();
    if (m.startedAt()) info.startedAtUsec = realtimeUsecOf(*m.startedAt(), now);
    // A machine that never changed state has no time of its own (0 = unknown, shown as "-").
    if (m.stateSince() != TimePoint{}) info.stateSinceUsec = realtimeUsecOf(m.stateSince(), now);
    if (m.lastExit()) {
        info.lastExit = m.lastExit()->describe();
        info.exitStatus = m.lastExit()->shellStatus();
        info.cpuUsec = static_cast<std::uint64_t>((m.lastExit()->cpuUser + m.lastExit()->cpuSystem).count());
        info.maxRssKiB = m.lastExit()->maxRssKiB;
    }
    info.spawnError = m.spawnError();
    info.reason = m.reason();
    if (m.state() == ProcessState::Backoff && m.deadline())
        info.nextStartUsec = realtimeUsecOf(*m.deadline(), now);
    info.command = joinCommand(m.spec().command);
    info.sourceFile = m.spec().where.file;
    info.sourceLine = m.spec().where.line;
    info.priority = m.spec().priority;
    return info;
}

std::vector<ProcessInfo> Supervisor::list() const {
    std::vector<ProcessInfo> out;
    for (auto* inst : const_cast<Supervisor*>(this)->byPriority(false))
        if (!inst->removing) out.push_back(infoOf(*inst));
    return out;
}

ProcessInfo Supervisor::get(const std::string& name) const {
    return infoOf(find(name));
}

std::size_t Supervisor::countIn(ProcessState s) const {
    return static_cast<std::size_t>(std::count_if(instances_.begin(), instances_.end(), [s](auto& kv) {
        return !kv.second->removing && kv.second->machine.state() == s;
    }));
}

std::vector<std::string> Supervisor::match(const std::vector<std::string>& patterns) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto ordered = const_cast<Supervisor*>(this)->byPriority(false);
    for (const auto& pattern : patterns) {
        bool any = false;
        for (auto* inst : ordered) {
            if (inst->removing) continue;
            bool hit = pattern == "all" || ::fnmatch(pattern.c_str(), inst->name.c_str(), 0) == 0 ||
                       ::fnmatch(pattern.c_str(), inst->group.c_str(), 0) == 0;
            if (!hit) continue;
            any = true;
            if (seen.insert(inst->name).second) out.push_back(inst->name);
        }
        if (!any)
            throw ControlError(ControlError::Kind::NoSuchProcess, "no process matches '" + pattern + "'");
    }
    return out;
}

void Supervisor::start(const std::string& name) {
    if (shuttingDown_) throw ControlError(ControlError::Kind::Failed, "supervisord is shutting down");
    Instance& inst = find(name);
    auto before = inst.machine.state();
    if (before == ProcessState::Starting || before == ProcessState::Running)
        throw ControlError(ControlError::Kind::AlreadyRunning,
                           name + " is already " + std::string(toString(before)));
    afterEvent(inst, before, inst.machine.start(clock_.now()));
}

void Supervisor::stop(const std::string& name) {
    Instance& inst = find(name);
    gate_.remove(name);
    auto before = inst.machine.state();
    timersDirty_ = true;
    afterEvent(inst, before, inst.machine.stop(clock_.now()));
}

void Supervisor::restart(const std::string& name) {
    if (shuttingDown_) throw ControlError(ControlError::Kind::Failed, "supervisord is shutting down");
    Instance& inst = find(name);
    const auto now = clock_.now();
    auto before = inst.machine.state();
    if (isActive(before)) {
        gate_.remove(name);
        auto cmd = inst.machine.stop(now);
        (void)inst.machine.start(now);  // remembered: starts again once the stop completes
        timersDirty_ = true;
        afterEvent(inst, before, cmd);
        return;
    }
    afterEvent(inst, before, inst.machine.start(now));
}

void Supervisor::signal(const std::string& name, int sig) {
    Instance& inst = find(name);
    if (inst.pid <= 0) throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
    if (sig <= 0 || sig >= NSIG)
        throw ControlError(ControlError::Kind::InvalidArgument, "invalid signal number");
    sendSignal(inst, sig);
}

std::string Supervisor::tail(const std::string& name, OutputStream stream, unsigned lines) const {
    const Instance& inst = find(name);
    return (stream == OutputStream::Stdout ? inst.out : inst.err).tail.tail(lines);
}

std::vector<DoctorFinding> Supervisor::doctor(const std::string& name) const {
    const Instance& inst = find(name);
    if (inst.pid <= 0) throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
    return diagnostics_.doctor(inst.pid);
}

LimitsReport Supervisor::limits() const {
    std::set<uid_t> uids;
    for (auto& [name, inst] : instances_)
        if (inst->machine.spec().uid) uids.insert(*inst->machine.spec().uid);
    auto report = diagnostics_.limits(config_.supervisor.limitWarnPercent, {uids.begin(), uids.end()});
    reportLimitChanges(report);
    return report;
}

void Supervisor::reportLimitChanges(const LimitsReport& report) const {
    auto changes = limitsWatch_.update(report);
    for (const auto* d : changes.crossed)
        spdlog::warn("{} is at {:.0f}% ({}/{}), over the {}% warning threshold{}", d->title, d->percent,
                     d->used, d->limit, report.warnPercent,
                     d->top.empty() ? "" : "; top: " + d->top.front().command);
    for (const auto* d : changes.cleared)
        spdlog::info("{} is back under the {}% warning threshold ({:.0f}%, {}/{})", d->title,
                     report.warnPercent, d->percent, d->used, d->limit);
}

void Supervisor::removeObserver(ControlObserver* o) {
    std::erase(observers_, o);
}

void Supervisor::setDaemonState(DaemonState s) {
    if (s == daemonState_) return;
    daemonState_ = s;
    for (auto* o : std::vector<ControlObserver*>(observers_)) o->onDaemonStateChanged(s);
}

// Called after every event: an instance with no process left may have a pending reload action.
void Supervisor::settle(Instance& inst) {
    if (inst.pid > 0 || isActive(inst.machine.state())) return;
    if (inst.removing) {
        const std::string name = inst.name;
        closeStream(inst, OutputStream::Stdout);
        closeStream(inst, OutputStream::Stderr);
        gate_.remove(name);
        instances_.erase(name);
        files_.forgetUnused();
        for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessesRemoved({name});
        checkShutdownProgress();
        return;
    }
    if (inst.replacement) {
        ServiceSpec spec = std::move(*inst.replacement);
        inst.replacement.reset();
        const auto before = inst.machine.state();
        inst.machine = ProcessMachine(spec);
        openSinks(inst);
        notifyStateChanged(inst, before);
        if (inst.startAfterReplace && !shuttingDown_) {
            inst.startAfterReplace = false;
            afterEvent(inst, inst.machine.state(), inst.machine.start(clock_.now()));
            return;
        }
    }
    checkShutdownProgress();
}

ReloadResult Supervisor::reload() {
    ReloadResult result;
    if (shuttingDown_) {
        result.error = "supervisord is shutting down";
        return result;
    }
    setDaemonState(DaemonState::Reloading);
    Config next;
    try {
        next = options_.loadConfig(options_.configPath);
    } catch (const std::exception& e) {
        result.error = e.what();
        spdlog::error("reload refused, nothing changed:\n{}", result.error);
        setDaemonState(DaemonState::Running);
        return result;
    }
    std::vector<ServiceSpec> old = std::move(config_.services);
    config_ = std::move(next);
    ConfigDiff diff = diffInstances(old, config_.services);
    const auto now = clock_.now();

    for (auto& [name, inst] : instances_) {
        inst->out.tail.setCapacity(config_.supervisor.tailBytes);
        inst->err.tail.setCapacity(config_.supervisor.tailBytes);
    }
    for (auto& ref : diff.unchanged) find(ref.name).machine.setSpec(*ref.spec);
    for (auto& name : diff.removed) {
        Instance& inst = find(name);
        inst.removing = true;
        gate_.remove(name);
        result.removed.push_back(name);
        auto before = inst.machine.state();
        afterEvent(inst, before, inst.machine.stop(now));
    }
    for (auto& ref : diff.changed) {
        Instance& inst = find(ref.name);
        auto state = inst.machine.state();
        inst.replacement = *ref.spec;
        // Start it again unless an operator had stopped it; FATAL ones get a new chance with the new config.
        inst.startAfterReplace = ref.spec->autostart ? state != ProcessState::Stopped : isActive(state);
        gate_.remove(ref.name);
        result.changed.push_back(ref.name);
        afterEvent(inst, state, inst.machine.stop(now));
    }
    for (auto& ref : diff.added) {
        Instance& inst = addInstance(*ref.spec, ref.name, ref.index);
        result.added.push_back(ref.name);
        (void)inst;
    }
    if (!result.added.empty())
        for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessesAdded(result.added);
    for (auto& ref : diff.added) {
        auto it = instances_.find(ref.name);
        if (it == instances_.end() || !ref.spec->autostart) continue;
        Instance& inst = *it->second;
        afterEvent(inst, inst.machine.state(), inst.machine.start(now));
    }
    timersDirty_ = true;
    result.ok = true;
    spdlog::info("reloaded {}: {} added, {} removed, {} changed, {} unchanged", options_.configPath,
                 result.added.size(), result.removed.size(), result.changed.size(), diff.unchanged.size());
    setDaemonState(DaemonState::Running);
    return result;
}

void Supervisor::shutdown() {
    beginShutdown([this] { loop_.stop(); });
}

void Supervisor::beginShutdown(std::function<void()> onDone) {
    if (shuttingDown_) return;
    shuttingDown_ = true;
    onShutdownDone_ = std::move(onDone);
    setDaemonState(DaemonState::Stopping);
    std::set<int, std::greater<int>> levels;
    for (auto& [name, inst] : instances_) levels.insert(inst->machine.spec().priority);
    shutdownLevels_.assign(levels.begin(), levels.end());
    // Nothing waiting on fork pressure may start now.
    for (auto& [name, inst] : instances_) gate_.remove(name);
    spdlog::info("shutting down: stopping {} processes by descending priority", instances_.size());
    checkShutdownProgress();
}

void Supervisor::checkShutdownProgress() {
    if (!shuttingDown_) return;
    while (!shutdownLevels_.empty()) {
        const int level = shutdownLevels_.front();
        std::vector<std::string> toStop;
        for (auto& [name, inst] : instances_) {
            if (inst->machine.spec().priority != level) continue;
            auto s = inst->machine.state();
            if (s == ProcessState::Starting || s == ProcessState::Running || s == ProcessState::Backoff)
                toStop.push_back(name);
        }
        for (auto& name : toStop) {
            auto it = instances_.find(name);
            if (it == instances_.end()) continue;
            Instance& inst = *it->second;
            auto before = inst.machine.state();
            auto cmd = inst.machine.stop(clock_.now());
            notifyStateChanged(inst, before);
            if (cmd.kind == MachineCommand::Kind::Signal) sendSignal(inst, cmd.signal);
        }
        timersDirty_ = true;
        bool pending = std::any_of(instances_.begin(), instances_.end(), [level](auto& kv) {
            return kv.second->machine.spec().priority == level &&
                   (kv.second->pid > 0 || isActive(kv.second->machine.state()));
        });
        if (pending) return;  // the exits of this level call back here
        shutdownLevels_.erase(shutdownLevels_.begin());
    }
    if (onShutdownDone_) {
        auto done = std::move(onShutdownDone_);
        onShutdownDone_ = nullptr;
        done();
    }
}

}  // namespace sup
