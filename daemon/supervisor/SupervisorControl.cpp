// The Control side of the Supervisor: operator requests, reload, shutdown, snapshots.
#include <fnmatch.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "Plural.h"
#include "core/ConfigDiff.h"
#include "supervisor/LogSinks.h"
#include "supervisor/Supervisor.h"

namespace sup {

namespace {
std::int64_t realtimeUsecOf(TimePoint t, TimePoint steadyNow) {
    auto real = std::chrono::system_clock::now() - (steadyNow - t);
    return std::chrono::duration_cast<std::chrono::microseconds>(real.time_since_epoch()).count();
}

// LAST-EXIT of a child that never ran its program: the stage and the error of the exec failure
// ("exec: No such file or directory"), not the 127 it exited with. The path and any fork-pressure
// diagnosis stay in spawn_error and the reason.
std::string execFailureText(const std::string& spawnError) {
    const std::string text = spawnError.substr(0, spawnError.find(';'));
    const auto stageEnd = text.find_first_of(" :");
    const auto message = text.rfind(": ");
    if (stageEnd == std::string::npos || message == std::string::npos) return text;
    return text.substr(0, stageEnd) + text.substr(message);
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
        info.lastExit =
            m.lastExecError().empty() ? m.lastExit()->describe() : execFailureText(m.lastExecError());
        info.exitStatus = m.lastExit()->shellStatus();
        info.cpuUsec = static_cast<std::uint64_t>((m.lastExit()->cpuUser + m.lastExit()->cpuSystem).count());
        info.maxRssKiB = m.lastExit()->maxRssKiB;
    }
    info.spawnError = m.spawnError();
    info.reason = m.reason();
    // Output that goes only to memory is news the operator must see where they look: the status.
    for (const std::string& error : {inst.logError, inst.out.sink->error(), inst.err.sink->error()}) {
        if (error.empty() || info.reason.find(error) != std::string::npos) continue;
        info.reason += (info.reason.empty() ? "" : "; ") + error;
    }
    if (m.state() == ProcessState::Backoff && m.deadline())
        info.nextStartUsec = realtimeUsecOf(*m.deadline(), now);
    info.command = joinCommand(m.spec().command);
    info.argv = m.spec().command;
    info.sourceFile = m.spec().where.file;
    info.sourceLine = m.spec().where.line;
    info.priority = m.spec().priority;
    for (const auto& [refs, into] :
         {std::pair{&m.spec().required, &info.required}, std::pair{&m.spec().wanted, &info.wanted},
          std::pair{&m.spec().after, &info.after}})
        for (const auto& ref : *refs) into->push_back(ref.name);
    info.requiredBy = deps_.requiredBy(inst.name);
    info.readyState = m.readyState();
    if (!inst.notifyPhase.empty() && m.state() == ProcessState::Running) info.readyState = inst.notifyPhase;
    info.notifyStatus = inst.notifyStatus;
    return info;
}

// Instances a reload removed stay listed (STOPPING, "removed by a reload") until their process is
// gone: they are real processes, and their D-Bus objects must answer until they are removed.
void Supervisor::forEachProcess(const std::function<void(const ProcessInfo&)>& visit) const {
    for (const auto* inst : byPriority()) visit(infoOf(*inst));
}

ProcessInfo Supervisor::get(const std::string& name) const {
    return infoOf(const_cast<Supervisor*>(this)->getOrThrow(name));
}

// Log file paths are the instance's own: "{name}" replaced and relative ones under log_dir.
ServiceSpec Supervisor::definition(const std::string& name) const {
    ServiceSpec spec = const_cast<Supervisor*>(this)->getOrThrow(name).machine.spec();
    for (LogTarget* target : {&spec.stdoutTarget, &spec.stderrTarget})
        if (target->kind == LogTarget::Kind::File) target->path = resolveLogPath(*target, name, settings());
    return spec;
}

std::size_t Supervisor::countIn(ProcessState s) const {
    return stateCounts_[static_cast<std::size_t>(s)];
}

// Patterns name what the config defines: an instance being removed is not matched by "all" or a glob.
std::vector<std::string> Supervisor::match(const std::vector<std::string>& patterns) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto ordered = byPriority();
    for (const auto& pattern : patterns) {
        bool any = false;
        for (const auto* inst : ordered) {
            if (inst->machine.removing()) continue;
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

namespace {
void refuseWhenGoing(bool shuttingDown, const ProcessMachine& m, const std::string& name) {
    if (shuttingDown) throw ControlError(ControlError::Kind::Failed, "supervisord is shutting down");
    if (m.removing())
        throw ControlError(ControlError::Kind::Failed, name + " was removed by a reload and is stopping");
}
}  // namespace

void Supervisor::start(const std::string& name) {
    Instance& inst = getOrThrow(name);
    refuseWhenGoing(shuttingDown_, inst.machine, name);
    auto before = inst.machine.state();
    if (before == ProcessState::Starting || before == ProcessState::Running)
        throw ControlError(ControlError::Kind::AlreadyRunning,
                           name + " is already " + std::string(toString(before)));
    startWithDependencies(name);
}

void Supervisor::stop(const std::string& name) {
    Instance& inst = getOrThrow(name);
    if (!deps_.requiredBy(name).empty()) return stopWithDependents(name);
    gate_.remove(name);
    armTimer();
    handle(inst, [&](ProcessMachine& m) { return m.stop(clock_.now()); });
}

void Supervisor::restart(const std::string& name) {
    Instance& inst = getOrThrow(name);
    refuseWhenGoing(shuttingDown_, inst.machine, name);
    if (!inst.machine.hasProcess()) return startWithDependencies(name);
    gate_.remove(name);
    armTimer();
    stopAfterDependents_.erase(name);
    handle(inst, [&](ProcessMachine& m) { return m.restart(clock_.now()); });
}

void Supervisor::signal(const std::string& name, int sig) {
    Instance& inst = getOrThrow(name);
    if (inst.pid <= 0) throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
    if (sig <= 0 || sig >= NSIG)
        throw ControlError(ControlError::Kind::InvalidArgument, "invalid signal number");
    sendSignal(inst, sig);
}

std::string Supervisor::tail(const std::string& name, OutputStream stream, unsigned lines) const {
    const Instance& inst = const_cast<Supervisor*>(this)->getOrThrow(name);
    return (stream == OutputStream::Stdout ? inst.out : inst.err).tail.tail(lines);
}

std::vector<DoctorFinding> Supervisor::doctor(const std::string& name) const {
    const Instance& inst = const_cast<Supervisor*>(this)->getOrThrow(name);
    std::vector<DoctorFinding> findings;
    if (unsigned n = inst.machine.leftBehindAtLastExit(); n > 0)
        findings.push_back(
            {"warning",
             "its last exit left " + countOf(n, "process", "processes") + " behind in its process group" +
                 (inst.machine.leftovers() > 0 ? " (being stopped now)" : " (stopped before the next start)"),
             "the program puts work in the background and exits (it daemonizes); supervisord stops what "
             "is left before each start, so the service never runs as meant. Run it in the foreground "
             "(e.g. nginx -g 'daemon off;', a --foreground or --nodaemon option), or exec the worker "
             "instead of starting it with &"});
    if (inst.pid <= 0) {
        if (!findings.empty()) return findings;
        throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
    }
    auto live = diagnostics_.doctor(inst.pid);
    findings.insert(findings.end(), live.begin(), live.end());
    return findings;
}

std::vector<uid_t> Supervisor::serviceUids() const {
    std::set<uid_t> uids;
    for (auto& [name, inst] : instances_)
        if (inst->machine.spec().uid) uids.insert(*inst->machine.spec().uid);
    return {uids.begin(), uids.end()};
}

LimitsReport Supervisor::limits() const {
    auto report = diagnostics_.limits(settings_.limitWarnPercent, serviceUids());
    reportLimitChanges(report);
    return report;
}

void Supervisor::checkLimitThresholds() const {
    // A dimension already over the threshold must be read exactly, to see it clear and say so.
    const auto uids = serviceUids();
    if (!limitsWatch_.anyOver() && diagnostics_.limitsCertainlyUnder(settings_.limitWarnPercent, uids))
        return;
    reportLimitChanges(diagnostics_.limits(settings_.limitWarnPercent, uids));
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

// A reload only tells each instance's machine what the new config wants of it (keep, replace, remove,
// add); the machines decide when and how, exactly as for any other event.
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
    std::vector<SharedSpec> old = std::move(services_);
    settings_ = std::move(next.supervisor);
    services_ = shareSpecs(std::move(next.services));
    deps_.rebuild(services_);
    ConfigDiff diff = diffInstances(old, services_);
    const auto now = clock_.now();

    for (auto& [name, inst] : instances_) {
        inst->out.tail.setCapacity(settings_.tailBytes);
        inst->err.tail.setCapacity(settings_.tailBytes);
    }
    // First the renames, so that everything below finds index 0 under its new name.
    for (const auto& rename : diff.renamed) {
        Instance* inst = find(rename.from);
        if (inst && !find(rename.to)) {
            renameInstance(*inst, rename.to);
            continue;
        }
        // The new name is still held by an instance an earlier reload removed and that is still
        // stopping: that one takes the new spec (see `added` below), and this one goes.
        for (auto* refs : {&diff.changed, &diff.unchanged}) {
            auto it =
                std::find_if(refs->begin(), refs->end(), [&](auto& ref) { return ref.name == rename.to; });
            if (it == refs->end()) continue;
            diff.added.push_back(*it);
            refs->erase(it);
        }
        diff.removed.push_back(rename.from);
    }
    for (auto& ref : diff.unchanged) {
        Instance* inst = find(ref.name);
        if (!inst) continue;
        const LogTarget out = inst->machine.spec().stdoutTarget, err = inst->machine.spec().stderrTarget;
        inst->machine.keep(ref.spec);  // the process keeps running
        // Output targets are the daemon's side of the pipes: switched live.
        if (!(inst->machine.spec().stdoutTarget == out && inst->machine.spec().stderrTarget == err))
            openSinks(*inst);
        queueDeadline(*inst);
    }
    for (auto& name : diff.removed) {
        result.removed.push_back(name);
        Instance* inst = find(name);
        if (!inst) continue;
        gate_.remove(name);
        handle(*inst, [&](ProcessMachine& m) { return m.remove(now); });  // may forget it at once
    }
    for (auto& ref : diff.changed) {
        result.changed.push_back(ref.name);
        Instance* inst = find(ref.name);
        if (!inst) continue;
        const auto& m = inst->machine;
        const auto state = m.state();
        // Start it again unless an operator had stopped it; FATAL ones get a new chance with the new config.
        bool startAfter = state == ProcessState::Stopping ? m.wantsStartAfterStop()
                          : ref.spec->autostart           ? state != ProcessState::Stopped
                                                          : isActive(state);
        gate_.remove(ref.name);
        perform(*inst, state, inst->machine.replace(ref.spec, startAfter, now));
    }
    std::vector<std::string> created;
    for (auto& ref : diff.added) {
        result.added.push_back(ref.name);
        if (Instance* inst = find(ref.name)) {
            // Removed by an earlier reload and still stopping: the removal is cancelled, and the new
            // spec runs once the old process is gone. Its D-Bus object never went away.
            handle(*inst, [&](ProcessMachine& m) { return m.replace(ref.spec, ref.spec->autostart, now); });
            continue;
        }
        addInstance(ref.spec, ref.name, ref.index);
        created.push_back(ref.name);
    }
    if (!created.empty())
        for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessesAdded(created);
    for (auto& name : deps_.startOrder(created)) {
        Instance* inst = find(name);
        if (!inst || !inst->machine.spec().autostart) continue;
        if (deps_.empty())
            handle(*inst, [&](ProcessMachine& m) { return m.start(now); });
        else
            startWithDependencies(name);
    }
    // The edges changed: a held start may now wait for something else, or for nothing.
    std::vector<std::string> held;
    for (auto& [name, inst] : instances_)
        if (inst->machine.startHeld()) held.push_back(name);
    for (const auto& name : held) reviewHeldStart(name);
    retryFailedLogs();
    armTimer();
    result.ok = true;
    spdlog::info("reloaded {}: {} added, {} removed, {} changed, {} unchanged", options_.configPath,
                 result.added.size(), result.removed.size(), result.changed.size(), diff.unchanged.size());
    // After the summary, so a reload that raises the level still reports what it did.
    if (options_.applySettings) options_.applySettings(settings_);
    setDaemonState(DaemonState::Running);
    return result;
}

void Supervisor::shutdown() {
    beginShutdown(options_.onShutdownDone ? options_.onShutdownDone : [] {});
}

void Supervisor::beginShutdown(std::function<void()> onDone) {
    if (shuttingDown_) return;
    shuttingDown_ = true;
    onShutdownDone_ = std::move(onDone);
    setDaemonState(DaemonState::Stopping);
    spdlog::info(
        "shutting down: stopping {}{}", countOf(instances_.size(), "process", "processes"),
        deps_.empty() ? " by descending priority" : ", dependents first, then by descending priority");
    const auto now = clock_.now();
    for (auto& [name, inst] : instances_)
        shutdownPending_[{deps_.stopRank(name), -inst->machine.spec().priority}].insert(name);
    // Every instance learns first that nothing may start again, so no stop below can be followed by a
    // restart, a replacement or an admission from the ForkGate.
    advancing_ = true;
    for (const auto& name : instanceNames()) {
        gate_.remove(name);
        if (Instance* inst = find(name))
            handle(*inst, [&](ProcessMachine& m) { return m.beginShutdown(now); });
    }
    advancing_ = false;
    advanceShutdown();
}

// Runs after every event during a shutdown; the stops it asks for come back through perform().
void Supervisor::advanceShutdown() {
    if (!shuttingDown_ || advancing_ || !onShutdownDone_) return;
    advancing_ = true;
    const auto now = clock_.now();
    while (!shutdownPending_.empty()) {
        auto& [level, names] = *shutdownPending_.begin();
        if (levelStopped_ != level) {
            levelStopped_ = level;
            for (const auto& name : std::vector<std::string>(names.begin(), names.end())) {
                Instance* inst = find(name);
                if (inst) handle(*inst, [&](ProcessMachine& m) { return m.stop(now); });
            }
            for (auto it = names.begin(); it != names.end();) {
                Instance* inst = find(*it);
                it = (!inst || !inst->machine.busy()) ? names.erase(it) : std::next(it);
            }
        }
        if (!names.empty()) {
            advancing_ = false;
            return;  // the exits of this level call back here
        }
        shutdownPending_.erase(shutdownPending_.begin());
    }
    // Every instance is down. What is left among our children belongs to nobody any more: processes
    // that escaped their service's process group and were re-parented to us. None may outlive us.
    std::vector<pid_t> orphans = host_.children();
    if (!orphans.empty() && !(orphanDeadline_ && *orphanDeadline_ <= now)) {
        if (!orphansKilled_) {
            orphansKilled_ = true;
            spdlog::warn(
                "shutting down: {} left that no service owns (escaped their process group); "
                "sending SIGKILL",
                orphans.size() == 1 ? std::string("1 process")
                                    : std::to_string(orphans.size()) + " processes");
            for (pid_t pid : orphans) (void)host_.signal(pid, SIGKILL);
            orphanDeadline_ = later(now, std::chrono::seconds(5));
            armTimer();
        }
        advancing_ = false;
        return;  // their reaping calls back here
    }
    if (!orphans.empty())
        spdlog::error("shutting down: {} survived SIGKILL", countOf(orphans.size(), "process", "processes"));
    orphanDeadline_.reset();
    armTimer();
    advancing_ = false;
    auto done = std::move(onShutdownDone_);
    onShutdownDone_ = nullptr;
    done();
}

}  // namespace sup
