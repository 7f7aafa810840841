#include "supervisor/Supervisor.h"

#include <signal.h>
#include <sys/epoll.h>
#include <syslog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>

#include "core/ConfigDiff.h"
#include "os/OutputPipe.h"
#include "os/Reaper.h"

extern char** environ;

namespace sup {

namespace {
// How often at most a spawn re-reads the process limits for threshold warnings.
constexpr auto kLimitsCheckInterval = std::chrono::seconds(10);
// How many expired deadlines (restarts, start_seconds, stop timeouts) one loop pass handles.
constexpr std::size_t kDeadlinesPerPass = 2;
}  // namespace

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;  // per wake-up, so one chatty child cannot starve the others
}

std::string PlainDiagnostics::forkFailure(int err, std::optional<uid_t>) {
    return std::string(err == EAGAIN   ? "EAGAIN"
                       : err == ENOMEM ? "ENOMEM"
                                       : "errno " + std::to_string(err)) +
           " (" + std::strerror(err) + ")";
}

Supervisor::Supervisor(os::EventLoop& loop, os::Launcher& launcher, const ClockSource& clock,
                       Diagnostics& diagnostics, Options options, Config initial)
    : loop_(loop),
      launcher_(launcher),
      clock_(clock),
      diagnostics_(diagnostics),
      options_(std::move(options)),
      config_(std::move(initial)),
      rng_(std::random_device{}()),
      gate_([this] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }) {
    loop_.add(timer_.fd(), EPOLLIN, [this](std::uint32_t) { onTimer(); });
    // Deadlines change with almost every event; re-arm the one timerfd once per loop turn, not per change.
    loop_.addPrepareHook([this] {
        armTimer();
        return -1;
    });
    for (auto& ref : instancesOf(config_.services)) addInstance(*ref.spec, ref.name, ref.index);
}

Supervisor::~Supervisor() {
    loop_.remove(timer_.fd());
    for (auto& [name, inst] : instances_) {
        if (inst->execStatus) loop_.remove(inst->execStatus.get());
        if (inst->out.pipe) loop_.remove(inst->out.pipe.get());
        if (inst->err.pipe) loop_.remove(inst->err.pipe.get());
    }
}

Supervisor::Instance& Supervisor::addInstance(const ServiceSpec& spec, const std::string& name,
                                              unsigned index) {
    auto inst = std::make_unique<Instance>(spec, name, spec.name, index);
    inst->out.tail.setCapacity(config_.supervisor.tailBytes);
    inst->err.tail.setCapacity(config_.supervisor.tailBytes);
    auto& ref = *inst;
    instances_[name] = std::move(inst);
    openSinks(ref);
    return ref;
}

void Supervisor::openSinks(Instance& inst) {
    const auto& spec = inst.machine.spec();
    auto open = [&](const LogTarget& target, int priority) -> std::unique_ptr<LogSink> {
        try {
            return makeSink(target, inst.name, priority, files_, config_.supervisor);
        } catch (const std::exception& e) {
            spdlog::error("{}: cannot open its log: {}; its output is kept only in memory", inst.name,
                          e.what());
            LogTarget discard;
            discard.kind = LogTarget::Kind::Null;
            return makeSink(discard, inst.name, priority, files_, config_.supervisor);
        }
    };
    inst.out.sink = open(spec.stdoutTarget, LOG_INFO);
    inst.err.sink = open(spec.stderrTarget, LOG_WARNING);
}

Supervisor::Instance& Supervisor::find(const std::string& name) {
    auto it = instances_.find(name);
    if (it == instances_.end() || it->second->removing)
        throw ControlError(ControlError::Kind::NoSuchProcess, "no such process: " + name);
    return *it->second;
}

const Supervisor::Instance& Supervisor::find(const std::string& name) const {
    return const_cast<Supervisor*>(this)->find(name);
}

std::vector<Supervisor::Instance*> Supervisor::byPriority(bool descending) {
    std::vector<Instance*> out;
    for (auto& [name, inst] : instances_) out.push_back(inst.get());
    std::stable_sort(out.begin(), out.end(), [descending](Instance* a, Instance* b) {
        int pa = a->machine.spec().priority, pb = b->machine.spec().priority;
        return descending ? pa > pb : pa < pb;
    });
    return out;
}

void Supervisor::startAutostart() {
    for (Instance* inst : byPriority(false)) {
        if (!inst->machine.spec().autostart) continue;
        auto before = inst->machine.state();
        afterEvent(*inst, before, inst->machine.start(clock_.now()));
    }
}

void Supervisor::notifyStateChanged(Instance& inst, ProcessState before) {
    auto now = inst.machine.state();
    if (now == before) return;
    spdlog::info("{}: {} -> {}, pid {}: {}", inst.name, toString(before), toString(now), inst.pid,
                 inst.machine.reason());
    auto info = infoOf(inst);
    for (auto* o : std::vector<ControlObserver*>(observers_))
        o->onStateChanged(info, before, inst.machine.reason());
}

void Supervisor::afterEvent(Instance& inst, ProcessState before, MachineCommand cmd) {
    notifyStateChanged(inst, before);
    switch (cmd.kind) {
        case MachineCommand::Kind::None:
            break;
        case MachineCommand::Kind::Spawn:
            spawn(inst);
            break;
        case MachineCommand::Kind::Signal:
            sendSignal(inst, cmd.signal);
            break;
        case MachineCommand::Kind::Kill:
            spdlog::warn("{}: pid {} did not stop within stop_timeout ({} ms), sending SIGKILL", inst.name,
                         inst.pid, inst.machine.spec().stopTimeout.count());
            sendSignal(inst, SIGKILL);
            break;
    }
    settle(inst);  // may erase inst: nothing after this
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
        if (spec.user) {
            env["USER"] = *spec.user;
            env["LOGNAME"] = *spec.user;
        }
    }
    env["SUPERVISOR_PROCESS_NAME"] = inst.name;
    env["SUPERVISOR_GROUP_NAME"] = inst.group;
    env["SUPERVISOR_PROCESS_INDEX"] = std::to_string(inst.index);
    for (auto& [k, v] : spec.environment) env[k] = v;
    std::vector<std::string> out;
    out.reserve(env.size());
    for (auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

void Supervisor::spawn(Instance& inst) {
    const auto now = clock_.now();
    const auto before = inst.machine.state();
    const auto& spec = inst.machine.spec();
    // Under fork pressure, wait in line behind the instances already waiting (no thundering herd).
    if (gate_.closed() && admitted_ != inst.name) {
        gate_.enqueue(inst.name, now);
        timersDirty_ = true;
        auto cmd = inst.machine.spawnFailed("fork: " + forkPressure_, true, now);
        afterEvent(inst, before, cmd);
        return;
    }
    if (admitted_ == inst.name) admitted_.clear();

    closeStream(inst, OutputStream::Stdout);
    closeStream(inst, OutputStream::Stderr);
    os::SpawnRequest req;
    req.argv = spec.command;
    req.env = childEnvironment(inst);
    req.directory = spec.directory.empty() ? "/" : spec.directory;
    req.uid = spec.uid;
    req.gid = spec.gid;
    req.groups = spec.supplementaryGroups;
    req.umask = spec.umask;
    std::optional<os::OutputPipe> outPipe, errPipe;
    try {
        outPipe = os::OutputPipe::create();
        if (spec.stderrTarget.kind != LogTarget::Kind::Stdout) errPipe = os::OutputPipe::create();
    } catch (const std::exception& e) {
        // EMFILE/ENFILE: as transient as EAGAIN from fork; retry through the gate.
        gate_.failed(inst.name, now);
        timersDirty_ = true;
        forkPressure_ = e.what();
        afterEvent(inst, before, inst.machine.spawnFailed(std::string("pipe: ") + e.what(), true, now));
        return;
    }
    req.stdoutFd = outPipe->writeEnd.get();
    req.stderrFd = errPipe ? errPipe->writeEnd.get() : outPipe->writeEnd.get();

    os::SpawnResult res = launcher_.spawn(req);
    if (res.error) {
        const auto& err = *res.error;
        if (err.transient()) {
            afterEvent(inst, before, inst.machine.spawnFailed(underPressure(inst, err), true, now));
        } else {
            afterEvent(inst, before, inst.machine.spawnFailed(err.describe(), false, now));
        }
        return;
    }

    if (!forkPressure_.empty() || gate_.consecutiveFailures() > 0) {
        gate_.succeeded(now);
        timersDirty_ = true;
        if (!gate_.closed()) {
            auto secs =
                std::chrono::duration_cast<std::chrono::milliseconds>(now - pressureSince_).count() / 1000.0;
            spdlog::info("fork pressure cleared after {:.1f}s ({})", secs, forkPressure_);
            forkPressure_.clear();
        }
    }
    if (!lastLimitsCheck_ || now - *lastLimitsCheck_ >= kLimitsCheckInterval) {
        lastLimitsCheck_ = now;
        (void)limits();  // logs threshold crossings
    }
    inst.pid = res.pid;
    if (res.pidfd) inst.pidfd.emplace(std::move(res.pidfd));
    byPid_[inst.pid] = &inst;
    inst.out.sink->setPid(inst.pid);
    inst.err.sink->setPid(inst.pid);

    auto watch = [&](os::UniqueFd& slot, os::UniqueFd fd, std::function<void(std::uint32_t)> handler) {
        slot = std::move(fd);
        loop_.add(slot.get(), EPOLLIN, std::move(handler));
    };
    const std::string name = inst.name;
    // Handlers look the instance up by name: a reload may have replaced or removed it meanwhile.
    if (res.execStatus)
        watch(inst.execStatus, std::move(res.execStatus), [this, name](std::uint32_t) {
            auto it = instances_.find(name);
            if (it != instances_.end()) onExecStatus(*it->second);
        });
    watch(inst.out.pipe, std::move(outPipe->readEnd), [this, name](std::uint32_t) {
        auto it = instances_.find(name);
        if (it != instances_.end()) onOutput(*it->second, OutputStream::Stdout);
    });
    if (errPipe)
        watch(inst.err.pipe, std::move(errPipe->readEnd), [this, name](std::uint32_t) {
            auto it = instances_.find(name);
            if (it != instances_.end()) onOutput(*it->second, OutputStream::Stderr);
        });
    // The write ends close here (end of scope): only the child holds them now, so EOF means it is gone.
    inst.machine.spawned(now);
    timersDirty_ = true;
    notifyStateChanged(inst, before);
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
    timersDirty_ = true;
    return forkPressure_;
}

void Supervisor::sendSignal(Instance& inst, int sig) {
    if (inst.pid <= 0) return;
    int rc = 0;
    if (inst.machine.spec().killGroup) {
        // setsid() in the child made its pid the process group id.
        rc = ::killpg(inst.pid, sig) == 0 ? 0 : errno;
    } else if (inst.pidfd) {
        rc = inst.pidfd->sendSignal(sig);
    } else {
        rc = ::kill(inst.pid, sig) == 0 ? 0 : errno;
    }
    if (rc != 0 && rc != ESRCH)
        spdlog::error("{}: sending SIG{} to pid {}: {}", inst.name, signalName(sig), inst.pid,
                      std::strerror(rc));
}

void Supervisor::onExecStatus(Instance& inst) {
    if (!inst.execStatus) return;
    auto before = inst.machine.state();
    auto error = os::readExecStatus(inst.execStatus.get());
    loop_.remove(inst.execStatus.get());
    inst.execStatus.reset();
    if (error && error->transient())
        inst.machine.execFailed(underPressure(inst, *error), true);  // RLIMIT_NPROC is enforced at execve()
    else if (error)
        inst.machine.execFailed(error->describe(), false);
    else
        inst.machine.execSucceeded(clock_.now());
    timersDirty_ = true;
    afterEvent(inst, before, MachineCommand::none());
}

void Supervisor::onChildExited() {
    for (const auto& child : os::reapAll()) {
        auto it = byPid_.find(child.pid);
        ExitStatus status = os::toExitStatus(child);
        if (it == byPid_.end()) {
            // An orphan that re-parented to us (we are a subreaper): reaped so it leaves no zombie.
            spdlog::debug("reaped orphaned pid {} ({})", child.pid, status.describe());
            continue;
        }
        Instance& inst = *it->second;
        byPid_.erase(it);
        // The exec-status pipe holds the child's last word before its exit: read it first.
        if (inst.execStatus) onExecStatus(inst);
        const pid_t pid = inst.pid;
        const auto before = inst.machine.state();
        if (inst.machine.spec().killGroup && before == ProcessState::Stopping) {
            // The leader is gone; whatever it left behind in its group goes with it.
            if (::killpg(pid, SIGKILL) != 0 && errno != ESRCH)
                spdlog::warn("{}: killing what is left of process group {}: {}", inst.name, pid,
                             std::strerror(errno));
        }
        inst.pid = 0;
        inst.pidfd.reset();
        auto cmd = inst.machine.exited(status, clock_.now());
        timersDirty_ = true;
        afterEvent(inst, before, cmd);
    }
}

void Supervisor::onOutput(Instance& inst, OutputStream which) {
    Stream& s = which == OutputStream::Stdout ? inst.out : inst.err;
    if (!s.pipe) return;
    std::string buf;
    auto r = os::readSome(s.pipe.get(), buf, kReadChunk);
    if (!buf.empty()) {
        std::string stamped;
        std::string_view data = buf;
        if (inst.machine.spec().timestamps) {
            stamped = s.stamper.apply(buf, std::chrono::system_clock::now());
            data = stamped;
        }
        s.tail.append(data);
        s.sink->write(data);
        for (auto* o : std::vector<ControlObserver*>(observers_)) o->onOutput(inst.name, which, data);
    }
    if (r.eof) closeStream(inst, which);
}

void Supervisor::closeStream(Instance& inst, OutputStream which) {
    Stream& s = which == OutputStream::Stdout ? inst.out : inst.err;
    if (!s.pipe) return;
    loop_.remove(s.pipe.get());
    s.pipe.reset();
    s.sink->flush();
}

void Supervisor::armTimer() {
    if (!timersDirty_) return;
    timersDirty_ = false;
    std::optional<TimePoint> earliest = gate_.deadline();
    for (auto& [name, inst] : instances_) {
        auto d = inst->machine.deadline();
        if (d && (!earliest || *d < *earliest)) earliest = d;
    }
    if (earliest == armedFor_) return;
    armedFor_ = earliest;
    if (earliest)
        timer_.armAt(*earliest);
    else
        timer_.disarm();
}

void Supervisor::onTimer() {
    timer_.drain();
    armedFor_.reset();
    timersDirty_ = true;
    const auto now = clock_.now();
    std::vector<std::pair<TimePoint, std::string>> due;
    for (auto& [name, inst] : instances_) {
        auto d = inst->machine.deadline();
        if (d && *d <= now) due.emplace_back(*d, name);
    }
    // Each expiry may spawn, and a spawn holds the loop until the child has exec'd (vfork). A hundred
    // services restarting at the same moment would keep D-Bus callers waiting for all of them, so only
    // the earliest few are handled per pass; the timer stays due and the loop serves its other
    // descriptors in between.
    if (due.size() > kDeadlinesPerPass) {
        std::partial_sort(due.begin(), due.begin() + kDeadlinesPerPass, due.end());
        due.resize(kDeadlinesPerPass);
    }
    for (auto& [deadline, name] : due) {
        auto it = instances_.find(name);
        if (it == instances_.end()) continue;
        Instance& inst = *it->second;
        auto before = inst.machine.state();
        afterEvent(inst, before, inst.machine.deadlineReached(now));
    }
    admitFromGate();
}

void Supervisor::admitFromGate() {
    const auto now = clock_.now();
    while (auto name = gate_.admitNext(now)) {
        timersDirty_ = true;
        auto it = instances_.find(*name);
        if (it == instances_.end()) {
            gate_.abandoned(now);
            continue;
        }
        Instance& inst = *it->second;
        auto before = inst.machine.state();
        auto cmd = inst.machine.forkAdmitted(now);
        if (cmd.kind != MachineCommand::Kind::Spawn) {
            gate_.abandoned(now);
            continue;
        }
        admitted_ = inst.name;
        afterEvent(inst, before, cmd);
        // spawn() reported success or failure to the gate; the next admission waits for the timer
        // (at once after a success, after the backoff after a failure).
        break;
    }
}

void Supervisor::reopenLogs() {
    files_.reopenAll();
    spdlog::info("reopened log files");
}

}  // namespace sup
