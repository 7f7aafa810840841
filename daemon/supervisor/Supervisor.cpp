#include "supervisor/Supervisor.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "Plural.h"
#include "core/ConfigDiff.h"

namespace sup {

namespace {
// How many expired deadlines (restarts, start_seconds, stop timeouts) one loop pass handles.
constexpr std::size_t kDeadlinesPerPass = 2;
// How many leftover processes an exit names in the log.
constexpr std::size_t kLeftoversNamed = 16;
}  // namespace

std::string PlainDiagnostics::forkFailure(int err, std::optional<uid_t>) {
    return std::string(err == EAGAIN   ? "EAGAIN"
                       : err == ENOMEM ? "ENOMEM"
                                       : "errno " + std::to_string(err)) +
           " (" + std::strerror(err) + ")";
}

Supervisor::Supervisor(os::ProcessHost& host, const ClockSource& clock, Diagnostics& diagnostics,
                       Options options, Config initial)
    : host_(host),
      clock_(clock),
      diagnostics_(diagnostics),
      options_(std::move(options)),
      settings_(std::move(initial.supervisor)),
      services_(shareSpecs(std::move(initial.services))),
      rng_(options_.randomSeed ? *options_.randomSeed : std::random_device{}()),
      gate_([this] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }) {
    host_.setEvents(this);
    if (options_.probes) options_.probes->setEvents(this);
    oomKills_.baseline(diagnostics_.oomKills());
    for (auto& ref : instancesOf(services_)) addInstance(std::move(ref.spec), ref.name, ref.index);
    deps_.rebuild(services_);
}

Supervisor::~Supervisor() {
    // Closing delivers what the pipes still hold; the observers may be gone already.
    observers_.clear();
    for (auto& [name, inst] : instances_) {
        dropCheck(*inst);
        if (inst->token) host_.closeOutput(inst->token);
    }
    host_.setEvents(nullptr);
    if (options_.probes) options_.probes->setEvents(nullptr);
}

Supervisor::Instance& Supervisor::addInstance(SharedSpec spec, const std::string& name, unsigned index) {
    std::string group = spec->name;
    auto inst = std::make_unique<Instance>(std::move(spec), name, std::move(group), index);
    inst->out.tail.setCapacity(settings_.tailBytes);
    inst->err.tail.setCapacity(settings_.tailBytes);
    auto& ref = *inst;
    ref.counted = ref.machine.state();
    ++stateCounts_[static_cast<std::size_t>(ref.counted)];
    instances_[name] = std::move(inst);
    openSinks(ref);
    return ref;
}

Supervisor::Instance* Supervisor::find(const std::string& name) {
    auto it = instances_.find(name);
    return it == instances_.end() ? nullptr : it->second.get();
}

const Supervisor::Instance* Supervisor::find(const std::string& name) const {
    auto it = instances_.find(name);
    return it == instances_.end() ? nullptr : it->second.get();
}

Supervisor::Instance& Supervisor::getOrThrow(const std::string& name) {
    if (auto* inst = find(name)) return *inst;
    throw ControlError(ControlError::Kind::NoSuchProcess, "no such process: " + name);
}

std::vector<const Supervisor::Instance*> Supervisor::byPriority() const {
    std::vector<const Instance*> out;
    out.reserve(instances_.size());
    for (auto& [name, inst] : instances_) out.push_back(inst.get());
    std::stable_sort(out.begin(), out.end(), [](const Instance* a, const Instance* b) {
        return a->machine.spec().priority < b->machine.spec().priority;
    });
    return out;
}

void Supervisor::startAutostart() {
    std::vector<std::string> names;
    for (const Instance* inst : byPriority())
        if (inst->machine.spec().autostart) names.push_back(inst->name);
    if (!deps_.empty()) {
        // What each depends on first; priority only breaks ties.
        for (const auto& name : deps_.startOrder(names)) startWithDependencies(name);
        return;
    }
    for (const auto& name : names) {
        Instance* inst = find(name);
        if (!inst) continue;
        handle(*inst, [&](ProcessMachine& m) { return m.start(clock_.now()); });
    }
}

void Supervisor::recount(Instance& inst) {
    const ProcessState now = inst.machine.state();
    if (now == inst.counted) return;
    --stateCounts_[static_cast<std::size_t>(inst.counted)];
    ++stateCounts_[static_cast<std::size_t>(now)];
    inst.counted = now;
}

void Supervisor::notifyStateChanged(Instance& inst, ProcessState before) {
    recount(inst);
    auto now = inst.machine.state();
    if (now == before) return;
    // A crash loop must show in `journalctl -p warning`; FATAL is an error.
    const auto level = now == ProcessState::Fatal     ? spdlog::level::err
                       : now == ProcessState::Backoff ? spdlog::level::warn
                                                      : spdlog::level::info;
    if (inst.pid > 0)
        spdlog::log(level, "{}: {} -> {}, pid {}: {}", inst.name, toString(before), toString(now), inst.pid,
                    inst.machine.reason());
    else
        spdlog::log(level, "{}: {} -> {}: {}", inst.name, toString(before), toString(now),
                    inst.machine.reason());
    auto info = infoOf(inst);
    for (auto* o : std::vector<ControlObserver*>(observers_))
        o->onStateChanged(info, before, inst.machine.reason());
}

void Supervisor::perform(Instance& inst, ProcessState before, MachineCommand cmd) {
    if (deps_.empty() && stopAfterDependents_.empty()) return performCommand(inst, before, cmd);
    const std::string name = inst.name;  // performCommand may forget the instance
    performCommand(inst, before, cmd);
    reviewDependencies(name);
}

void Supervisor::performCommand(Instance& inst, ProcessState before, MachineCommand cmd) {
    if (inst.sinkGeneration != inst.machine.specGeneration()) openSinks(inst);  // a reload's new spec
    notifyStateChanged(inst, before);
    switch (cmd.kind) {
        case MachineCommand::Kind::None:
            break;
        case MachineCommand::Kind::Spawn:
            spawn(inst);
            return;  // spawn() performs the outcome itself
        case MachineCommand::Kind::Signal:
            sendSignal(inst, cmd.signal);
            break;
        case MachineCommand::Kind::Kill:
            if (inst.pid > 0)  // never "pid 0": without a process there is nothing to kill
                spdlog::warn("{}: pid {} did not stop within stop_timeout ({} ms), sending SIGKILL",
                             inst.name, inst.pid, inst.machine.spec().stopTimeout.count());
            sendSignal(inst, SIGKILL);
            break;
        case MachineCommand::Kind::SignalLeftovers:
        case MachineCommand::Kind::KillLeftovers: {
            const bool kill = cmd.kind == MachineCommand::Kind::KillLeftovers;
            if (host_.groupMembers(inst.pgid, 1).empty()) {
                handle(inst, [&](ProcessMachine& m) { return m.leftoversGone(clock_.now()); });
                return;
            }
            if (kill)
                spdlog::warn(
                    "{}: what is left of process group {} did not stop within stop_timeout, "
                    "sending SIGKILL",
                    inst.name, inst.pgid);
            int rc = host_.signalGroup(inst.pgid, kill ? SIGKILL : cmd.signal);
            if (rc != 0 && rc != ESRCH)
                spdlog::error("{}: signalling process group {}: {}", inst.name, inst.pgid, std::strerror(rc));
            break;
        }
        case MachineCommand::Kind::Forget:
            forget(inst);
            return;
    }
    if (inst.machine.leftovers() > 0)
        cleaning_.insert(inst.name);
    else
        cleaning_.erase(inst.name);
    updateCheck(inst);
    queueDeadline(inst);
    if (shuttingDown_ && !inst.machine.busy()) {
        for (auto& [level, names] : shutdownPending_) names.erase(inst.name);
        advanceShutdown();
    }
}

void Supervisor::forget(Instance& inst) {
    const std::string name = inst.name;
    // The machine only answers Forget when nothing of the instance lives; these are the indexes that
    // could still name it.
    if (inst.pid > 0) byPid_.erase(inst.pid);
    if (inst.token) {
        host_.closeOutput(inst.token);  // the last words go to its sinks before they close
        byToken_.erase(inst.token);
    }
    if (inst.queuedDeadline) deadlines_.erase({*inst.queuedDeadline, name});
    dropCheck(inst);
    cleaning_.erase(name);
    --stateCounts_[static_cast<std::size_t>(inst.counted)];
    gate_.remove(name);
    for (auto& [level, names] : shutdownPending_) names.erase(name);
    stopAfterDependents_.erase(name);
    instances_.erase(name);
    files_.forgetUnused();
    for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessesRemoved({name});
    if (shuttingDown_) advanceShutdown();
}

void Supervisor::renameInstance(Instance& inst, const std::string& to) {
    const std::string from = inst.name;
    // Every index that holds the name moves with it: the instance map, pid, output token, deadline,
    // leftover cleaning and the ForkGate queue.
    auto node = instances_.extract(from);
    node.key() = to;
    inst.name = to;
    instances_.insert(std::move(node));
    if (inst.pid > 0) byPid_[inst.pid] = to;
    if (inst.token) byToken_[inst.token] = to;
    if (inst.queuedDeadline) {
        deadlines_.erase({*inst.queuedDeadline, from});
        deadlines_.emplace(*inst.queuedDeadline, to);
    }
    if (cleaning_.erase(from)) cleaning_.insert(to);
    if (stopAfterDependents_.erase(from)) stopAfterDependents_.insert(to);
    gate_.rename(from, to);
    if (admitted_ == from) admitted_ = to;
    openSinks(inst);  // "{name}" in a log path and the journal identifier are the new name
    files_.forgetUnused();
    if (inst.pid > 0)
        spdlog::info("{}: now called {} (numprocs changed); pid {} goes on", from, to, inst.pid);
    else
        spdlog::info("{}: now called {} (numprocs changed)", from, to);
    for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessRenamed(from, to);
}

std::optional<TimePoint> Supervisor::nextDeadline(const Instance& inst) const {
    auto d = inst.machine.deadline();
    if (!inst.check) return d;
    for (const auto& c : {inst.check->nextAt, inst.check->execDeadline})
        if (c && (!d || *c < *d)) d = c;
    return d;
}

void Supervisor::queueDeadline(Instance& inst) {
    auto d = nextDeadline(inst);
    if (d == inst.queuedDeadline) return;
    if (inst.queuedDeadline) deadlines_.erase({*inst.queuedDeadline, inst.name});
    inst.queuedDeadline = d;
    if (d) deadlines_.emplace(*d, inst.name);
    armTimer();
}

void Supervisor::onChildExited() {
    bool orphans = false;
    for (const auto& child : host_.reap()) {
        auto it = byPid_.find(child.pid);
        ExitStatus status = os::toExitStatus(child);
        if (auto check = checkPids_.find(child.pid); check != checkPids_.end()) {
            const std::string name = check->second;
            checkPids_.erase(check);
            onExecCheckExited(name, status);
            continue;
        }
        if (it == byPid_.end()) {
            // An orphan re-parented to us (we are a subreaper): reaped so it leaves no zombie.
            spdlog::debug("reaped orphaned pid {} ({})", child.pid, status.describe());
            orphans = true;
            continue;
        }
        Instance* inst = find(it->second);
        byPid_.erase(it);
        if (!inst || inst->pid != child.pid) continue;
        // Only for a SIGKILL, a few small reads (/proc/self/cgroup, the counter): was it the OOM killer?
        if (OomKillWatch::mayBeOomKill(status))
            status.oomKilled = oomKills_.killedByOom(status, diagnostics_.oomKills());
        // The exec-status pipe holds the child's last word before its exit: read it first.
        if (inst->token) host_.flushExecStatus(inst->token);
        inst->pid = 0;
        auto members = host_.groupMembers(inst->pgid, kLeftoversNamed);
        const auto before = inst->machine.state();
        // After a stop that signalled the whole group, members still there are normally exiting
        // from that signal: no warning unless they outlive stop_timeout (the machine kills them then).
        const bool groupSignalled = before == ProcessState::Stopping && inst->machine.spec().killGroup;
        if (!members.empty() && !groupSignalled) {
            std::string list;
            for (auto& m : members) list += (list.empty() ? "" : ", ") + m;
            spdlog::warn(
                "{}: {} left behind after pid {} exited ({}); it may have daemonized; run it in the "
                "foreground",
                inst->name, countOf(members.size(), "process", "processes"), child.pid, list);
        }
        perform(*inst, before,
                inst->machine.exited(status, static_cast<unsigned>(members.size()), clock_.now()));
    }
    if (orphans || !cleaning_.empty()) checkLeftovers();
    if (shuttingDown_) advanceShutdown();
}

// Leftovers are usually our children once their parent exits (we are a subreaper), so each reap is a
// moment to look whether a group being stopped has emptied.
void Supervisor::checkLeftovers() {
    for (const auto& name : std::vector<std::string>(cleaning_.begin(), cleaning_.end())) {
        Instance* inst = find(name);
        if (!inst || inst->machine.leftovers() == 0) {
            cleaning_.erase(name);
            continue;
        }
        if (!host_.groupMembers(inst->pgid, 1).empty()) continue;
        handle(*inst, [&](ProcessMachine& m) { return m.leftoversGone(clock_.now()); });
    }
}

void Supervisor::armTimer() {
    std::optional<TimePoint> earliest = gate_.deadline();
    auto consider = [&](std::optional<TimePoint> d) {
        if (d && (!earliest || *d < *earliest)) earliest = d;
    };
    if (!deadlines_.empty()) consider(deadlines_.begin()->first);
    consider(orphanDeadline_);
    if (limitsCheckDue_) consider(clock_.now());
    host_.armTimer(earliest);
}

void Supervisor::onTimer() {
    const auto now = clock_.now();
    // Each expiry may spawn, and a spawn holds the loop until the child has exec'd (vfork). A hundred
    // services restarting at the same moment would keep D-Bus callers waiting for all of them, so only
    // the earliest few are handled per pass; the timer stays due and the loop serves its other
    // descriptors in between.
    for (std::size_t handled = 0; handled < kDeadlinesPerPass; ++handled) {
        if (deadlines_.empty() || deadlines_.begin()->first > now) break;
        const std::string name = deadlines_.begin()->second;
        Instance* inst = find(name);
        if (!inst) {
            deadlines_.erase(deadlines_.begin());
            continue;
        }
        runCheckIfDue(*inst, now);
        if (Instance* still = find(name))
            handle(*still, [&](ProcessMachine& m) { return m.deadlineReached(now); });
    }
    admitFromGate();
    if (orphanDeadline_ && *orphanDeadline_ <= now) advanceShutdown();
    if (limitsCheckDue_) {
        limitsCheckDue_ = false;
        lastLimitsCheck_ = now;
        checkLimitThresholds();
    }
    armTimer();
}

void Supervisor::admitFromGate() {
    const auto now = clock_.now();
    while (auto name = gate_.admitNext(now)) {
        Instance* inst = find(*name);
        if (!inst) {
            gate_.abandoned(now);
            continue;
        }
        auto before = inst->machine.state();
        auto cmd = inst->machine.forkAdmitted(now);
        if (cmd.kind != MachineCommand::Kind::Spawn) {
            gate_.abandoned(now);
            perform(*inst, before, cmd);
            continue;
        }
        admitted_ = inst->name;
        perform(*inst, before, cmd);
        // spawn() reported success or failure to the gate; the next admission waits for the timer
        // (at once after a success, after the backoff after a failure).
        break;
    }
    armTimer();
}

std::optional<Supervisor::InstanceView> Supervisor::view(const std::string& name) const {
    const Instance* inst = find(name);
    if (!inst) return std::nullopt;
    return InstanceView{inst->pid, inst->pgid, &inst->machine, gate_.contains(name)};
}

std::vector<std::string> Supervisor::instanceNames() const {
    std::vector<std::string> out;
    out.reserve(instances_.size());
    for (auto& [name, inst] : instances_) out.push_back(name);
    return out;
}

}  // namespace sup
