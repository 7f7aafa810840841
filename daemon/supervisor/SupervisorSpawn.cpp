// How the Supervisor starts an instance's process: the request and environment it is spawned with,
// the fork gate's pressure when a spawn fails for want of resources, and the exec status that tells
// whether the program really started.
#include <signal.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "supervisor/Supervisor.h"

extern char** environ;

namespace sup {

namespace {
// How often at most a spawn re-reads the process limits for threshold warnings.
constexpr auto kLimitsCheckInterval = std::chrono::seconds(10);

os::OutputWiring outputWiring(const StreamCapture& capture) {
    os::OutputWiring wiring;
    wiring.out = capture.out ? os::Wiring::Pipe : os::Wiring::Discard;
    wiring.err = capture.errIntoOut ? os::Wiring::Merge
                 : capture.err      ? os::Wiring::Pipe
                                    : os::Wiring::Discard;
    return wiring;
}
}  // namespace

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
    auto res = host_.spawn(token, req, outputWiring(spec.capture()), notify);
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

}  // namespace sup
