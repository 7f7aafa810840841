#include "supervisor/Supervisor.h"

#include <signal.h>
#include <syslog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "Plural.h"
#include "core/ConfigDiff.h"

extern char** environ;

namespace sup {

namespace {
// How often at most a spawn re-reads the process limits for threshold warnings.
constexpr auto kLimitsCheckInterval = std::chrono::seconds(10);
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

void Supervisor::openSinks(Instance& inst) {
    const auto& spec = inst.machine.spec();
    inst.sinkGeneration = inst.machine.specGeneration();
    const std::string previousError = std::exchange(inst.logError, std::string());
    auto open = [&](const LogTarget& target, int priority) -> std::unique_ptr<LogSink> {
        try {
            return makeSink(target, inst.name, priority, files_, settings_);
        } catch (const std::exception& e) {
            const std::string error = std::string("log: cannot ") + e.what();
            // Logged when it starts or changes, not at every retry of the same failure.
            if (error != previousError && error != inst.logError)
                spdlog::error("{}: {}; its output is kept only in memory (supctl tail)", inst.name, error);
            if (inst.logError.empty()) inst.logError = error;
            LogTarget discard;
            discard.kind = LogTarget::Kind::Null;
            return makeSink(discard, inst.name, priority, files_, settings_);
        }
    };
    inst.out.sink = open(spec.stdoutTarget, LOG_INFO);
    inst.err.sink = open(spec.stderrTarget, LOG_WARNING);
    if (!previousError.empty() && inst.logError.empty())
        spdlog::info("{}: its log is open again (was: {})", inst.name, previousError);
    if (inst.pid > 0) {
        inst.out.sink->setPid(inst.pid);
        inst.err.sink->setPid(inst.pid);
    }
}

void Supervisor::retryFailedLogs() {
    for (auto& [name, inst] : instances_)
        if (!inst->logError.empty()) openSinks(*inst);
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

os::SpawnRequest Supervisor::spawnRequest(const Instance& inst, const std::vector<std::string>& argv) const {
    const auto& spec = inst.machine.spec();
    os::SpawnRequest req;
    req.argv = argv;
    req.env = childEnvironment(inst);
    req.directory = spec.directory.empty() ? "/" : spec.directory;
    req.uid = spec.uid;
    req.gid = spec.gid;
    req.groups = spec.supplementaryGroups;
    req.umask = spec.umask;
    req.watchdogPid = spec.watchdog.count() > 0;
    return req;
}

std::vector<std::string> Supervisor::childEnvironment(const Instance& inst) const {
    const auto& spec = inst.machine.spec();
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    for (auto& name : options_.scrubEnvironment) env.erase(name);
    if (spec.uid) {
        env["HOME"] = spec.home.empty() ? "/" : spec.home;
        // The account's name even when `user:` is a number; a uid without a passwd entry has no name,
        // so the number as written stands in for it.
        if (spec.user) {
            env["USER"] = spec.account.empty() ? *spec.user : spec.account;
            env["LOGNAME"] = env["USER"];
        }
    }
    env["SUPERVISOR_PROCESS_NAME"] = inst.name;
    env["SUPERVISOR_GROUP_NAME"] = inst.group;
    env["SUPERVISOR_PROCESS_INDEX"] = std::to_string(inst.index);
    for (auto& [k, v] : spec.environment) env[k] = v;
    // As systemd: the child learns its watchdog period from WATCHDOG_USEC (sd_watchdog_enabled(3)),
    // and WATCHDOG_PID (which the spawner adds, see SpawnRequest::watchdogPid) says it is its own.
    if (spec.watchdog.count() > 0)
        env["WATCHDOG_USEC"] = std::to_string(std::chrono::microseconds(spec.watchdog).count());
    std::vector<std::string> out;
    out.reserve(env.size());
    for (auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

void Supervisor::spawn(Instance& inst) {
    const auto now = clock_.now();
    const auto before = inst.machine.state();
    // Under fork pressure, wait in line behind the instances already waiting (no thundering herd).
    if (gate_.closed() && admitted_ != inst.name) {
        gate_.enqueue(inst.name, now);
        armTimer();
        perform(inst, before, inst.machine.spawnFailed("fork: " + forkPressure_, true, now));
        return;
    }
    const bool admitted = admitted_ == inst.name;
    admitted_.clear();
    if (!inst.logError.empty()) openSinks(inst);  // a start is a moment to try a failed log again

    // The previous process's pipes: what it (or what it left behind) wrote last is delivered first.
    if (inst.token) {
        const auto old = std::exchange(inst.token, 0);
        host_.closeOutput(old);
        byToken_.erase(old);
    }
    const auto& spec = inst.machine.spec();
    const os::SpawnRequest req = spawnRequest(inst, spec.command);
    const auto token = ++nextToken_;
    const bool notify = spec.ready.kind == ProbeKind::Notify || spec.watchdog.count() > 0;
    auto res = host_.spawn(token, req, spec.stderrTarget.kind != LogTarget::Kind::Stdout, notify);
    if (res.error) {
        const auto& err = *res.error;
        if (err.transient()) {
            perform(inst, before, inst.machine.spawnFailed(underPressure(inst, err), true, now));
            return;
        }
        // Not a shortage: the gate may let the next one in (it would otherwise wait for this one forever).
        if (admitted) gate_.abandoned(now);
        armTimer();
        perform(inst, before, inst.machine.spawnFailed(err.describe(), false, now));
        return;
    }

    if (admitted || !forkPressure_.empty() || gate_.consecutiveFailures() > 0) {
        gate_.succeeded(now);
        armTimer();
        if (!gate_.closed() && !forkPressure_.empty()) {
            auto secs =
                std::chrono::duration_cast<std::chrono::milliseconds>(now - pressureSince_).count() / 1000.0;
            spdlog::info("fork pressure cleared after {:.1f}s ({})", secs, forkPressure_);
            forkPressure_.clear();
        }
    }
    if (!limitsCheckDue_ && (!lastLimitsCheck_ || now - *lastLimitsCheck_ >= kLimitsCheckInterval)) {
        limitsCheckDue_ = true;  // onTimer() reads them, once this turn's work (and READY=1) is done
        armTimer();
    }
    inst.pid = res.pid;
    inst.pgid = res.pid;  // the child called setsid(): its pid is its process group
    inst.token = token;
    inst.notifyStatus.clear();
    inst.notifyPhase.clear();
    inst.foreignNotifyWarned = false;
    inst.partialLine.clear();
    byPid_[inst.pid] = inst.name;
    byToken_[token] = inst.name;
    inst.out.sink->setPid(inst.pid);
    inst.err.sink->setPid(inst.pid);
    inst.machine.spawned(now);
    perform(inst, before, MachineCommand::none());
}

std::string Supervisor::underPressure(Instance& inst, const os::SpawnError& err) {
    const auto now = clock_.now();
    // Diagnosing reads /proc: done when an episode starts and after each success within it (the numbers
    // moved), not on every retry. The warning is logged once per episode.
    if (forkPressure_.empty() || gate_.consecutiveFailures() == 0) {
        const bool newEpisode = forkPressure_.empty();
        forkPressure_ = err.stage + ": " + diagnostics_.forkFailure(err.err, inst.machine.spec().uid);
        if (newEpisode) {
            pressureSince_ = now;
            spdlog::warn("{}: cannot start: {}; retrying with backoff (logged once per episode)", inst.name,
                         forkPressure_);
        }
    }
    gate_.failed(inst.name, now);
    armTimer();
    return forkPressure_;
}

void Supervisor::sendSignal(Instance& inst, int sig) {
    if (inst.pid <= 0) return;
    // setsid() in the child made its pid the process group id.
    int rc = inst.machine.spec().killGroup ? host_.signalGroup(inst.pid, sig) : host_.signal(inst.pid, sig);
    if (rc != 0 && rc != ESRCH)
        spdlog::error("{}: sending SIG{} to pid {}: {}", inst.name, signalName(sig), inst.pid,
                      std::strerror(rc));
}

void Supervisor::onExecStatus(os::ProcessHost::Token token, const std::optional<os::SpawnError>& error) {
    auto it = byToken_.find(token);
    if (it == byToken_.end()) return;
    Instance* inst = find(it->second);
    if (!inst || inst->token != token || inst->pid <= 0) return;  // a previous spawn's: already settled
    auto before = inst->machine.state();
    if (error && error->transient())
        inst->machine.execFailed(underPressure(*inst, *error), true);  // RLIMIT_NPROC is enforced at execve()
    else if (error)
        inst->machine.execFailed(error->describe(), false);
    else
        inst->machine.execSucceeded(clock_.now());
    perform(*inst, before, MachineCommand::none());
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

void Supervisor::onOutput(os::ProcessHost::Token token, os::Stream which, std::string_view data) {
    auto it = byToken_.find(token);
    if (it == byToken_.end()) return;
    Instance* inst = find(it->second);
    if (!inst) return;
    Stream& s = which == os::Stream::Out ? inst->out : inst->err;
    const std::string_view raw = data;
    std::string stamped;
    if (inst->machine.spec().timestamps) {
        stamped = s.stamper.apply(data, std::chrono::system_clock::now());
        data = stamped;
    }
    s.tail.append(data);
    // The daemon's log and the journal stamp every line themselves: a second stamp in another format
    // would only be noise there.
    const auto& spec = inst->machine.spec();
    auto kind = (which == os::Stream::Out || spec.stderrTarget.kind == LogTarget::Kind::Stdout)
                    ? spec.stdoutTarget.kind
                    : spec.stderrTarget.kind;
    const bool stampsItself = kind == LogTarget::Kind::Daemon || kind == LogTarget::Kind::Journal;
    s.sink->write(stampsItself ? raw : data);
    const OutputStream stream = which == os::Stream::Out ? OutputStream::Stdout : OutputStream::Stderr;
    for (auto* o : std::vector<ControlObserver*>(observers_)) o->onOutput(inst->name, stream, data);
    if (spec.ready.kind == ProbeKind::LogLine && inst->machine.state() == ProcessState::Starting &&
        inst->token == token)
        matchReadyLines(*inst, raw);
}

void Supervisor::onOutputClosed(os::ProcessHost::Token token, os::Stream which) {
    auto it = byToken_.find(token);
    if (it == byToken_.end()) return;
    if (Instance* inst = find(it->second)) (which == os::Stream::Out ? inst->out : inst->err).sink->flush();
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

void Supervisor::reopenLogs() {
    files_.reopenAll();
    retryFailedLogs();
    spdlog::info("reopened log files");
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
