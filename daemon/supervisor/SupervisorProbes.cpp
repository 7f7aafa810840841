// Ready and health checks: when each attempt runs and what its result tells the machine.
//   - ready: {tcp|http|exec} runs while STARTING, an attempt every `interval` from the spawn on, until
//     one passes (ready) or ready_timeout ends the start (the machine's deadline);
//   - ready: {log_line} looks at each line of output while STARTING;
//   - health: runs while RUNNING, the first attempt `interval` after it became RUNNING; `failures`
//     misses in a row stop the instance and restart it.
// tcp/http attempts go to the ProbeRunner (off the loop's critical path); exec attempts are children
// like any other: spawned through the host (the same user, environment and directory as the
// service), reaped by the same loop, killed at `timeout`, and not started while forks are refused.
#include <signal.h>

#include <spdlog/spdlog.h>

#include "supervisor/Supervisor.h"

namespace sup {

namespace {
// What a line is cut to before it is matched: libstdc++'s std::regex recurses once per character.
constexpr std::size_t kMaxMatchedLine = 4096;

const ProbeSpec* activeCheck(const ProcessMachine& m) {
    const auto& spec = m.spec();
    const auto kind = spec.ready.kind;
    if (m.state() == ProcessState::Starting && spec.type == ServiceType::Simple &&
        (kind == ProbeKind::Tcp || kind == ProbeKind::Http || kind == ProbeKind::Exec))
        return &spec.ready;
    if (m.state() == ProcessState::Running && spec.health) return &*spec.health;
    return nullptr;
}

std::string seconds(Duration d) {
    const auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}
}  // namespace

void Supervisor::updateCheck(Instance& inst) {
    const ProbeSpec* probe = activeCheck(inst.machine);
    const bool health = inst.machine.state() == ProcessState::Running;
    if (!probe) {
        if (inst.check) dropCheck(inst);
        return;
    }
    if (inst.check && inst.check->health == health) return;  // the same check goes on
    dropCheck(inst);
    Instance::Check check;
    check.health = health;
    // A ready check tries at once (the service may be up quickly); a health check waits an interval.
    check.nextAt = health ? later(clock_.now(), probe->interval) : clock_.now();
    inst.check = check;
}

void Supervisor::dropCheck(Instance& inst) {
    if (!inst.check) return;
    if (inst.check->attempt) {
        if (options_.probes) options_.probes->cancel(inst.check->attempt);
        checkAttempts_.erase(inst.check->attempt);
    }
    if (inst.check->execPid > 0) {
        // Its exit is still reaped (as an orphan of nobody's); what it says no longer matters.
        (void)host_.signalGroup(inst.check->execPid, SIGKILL);
        checkPids_.erase(inst.check->execPid);
    }
    if (inst.check->execToken) host_.closeOutput(inst.check->execToken);
    inst.check.reset();
}

void Supervisor::runCheckIfDue(Instance& inst, TimePoint now) {
    if (!inst.check) return;
    auto& check = *inst.check;
    if (check.execDeadline && *check.execDeadline <= now && check.execPid > 0) {
        check.execDeadline.reset();
        (void)host_.signalGroup(check.execPid, SIGKILL);  // its exit reports the miss
    }
    if (check.nextAt && *check.nextAt <= now) startAttempt(inst, now);
}

void Supervisor::startAttempt(Instance& inst, TimePoint now) {
    auto& check = *inst.check;
    check.nextAt.reset();
    const ProbeSpec& probe = check.health ? *inst.machine.spec().health : inst.machine.spec().ready;
    if (probe.kind == ProbeKind::Exec) {
        // Subject to the fork gate: while forks are refused, a check waits like a spawn does.
        if (gate_.closed()) {
            check.nextAt = later(now, probe.interval);
            return;
        }
        const auto token = ++nextToken_;
        auto res = host_.spawn(token, spawnRequest(inst, probe.argv), os::OutputWiring{}, false);
        if (res.error) {
            host_.closeOutput(token);
            const std::string name = inst.name;
            checkResult(name, false, res.error->describe());
            return;
        }
        check.execPid = res.pid;
        check.execToken = token;
        check.execDeadline = later(now, probe.timeout);
        checkPids_[res.pid] = inst.name;
        return;
    }
    if (!options_.probes) {
        checkResult(inst.name, false, "no probe runner");
        return;
    }
    check.attempt = ++nextAttempt_;
    checkAttempts_[check.attempt] = inst.name;
    options_.probes->start(check.attempt, probe);
}

void Supervisor::onProbeResult(os::ProbeRunner::Id id, const os::ProbeResult& result) {
    auto it = checkAttempts_.find(id);
    if (it == checkAttempts_.end()) return;
    const std::string name = it->second;
    checkAttempts_.erase(it);
    if (Instance* inst = find(name); inst && inst->check && inst->check->attempt == id) {
        inst->check->attempt = 0;
        checkResult(name, result.ok, result.detail);
    }
    armTimer();
}

void Supervisor::onExecCheckExited(const std::string& name, const ExitStatus& status) {
    Instance* inst = find(name);
    if (!inst || !inst->check) return;
    auto& check = *inst->check;
    if (check.execToken) host_.closeOutput(check.execToken);  // its output is not kept
    const bool timedOut = !check.execDeadline;                // cleared when it was killed for it
    const ProbeSpec& probe = check.health ? *inst->machine.spec().health : inst->machine.spec().ready;
    check.execPid = 0;
    check.execToken = 0;
    check.execDeadline.reset();
    const bool ok = !status.signaled && status.code == 0;
    checkResult(name, ok,
                timedOut && !ok
                    ? "timed out after " + seconds(probe.timeout)
                    : (probe.argv.empty() ? "check" : probe.argv.front()) + ": " + status.describe());
}

void Supervisor::checkResult(const std::string& name, bool ok, const std::string& detail) {
    Instance* inst = find(name);
    if (!inst || !inst->check) return;
    const auto now = clock_.now();
    auto& check = *inst->check;
    const ProbeSpec& probe = check.health ? *inst->machine.spec().health : inst->machine.spec().ready;
    if (!check.health) {
        if (ok) {
            handle(*inst, [&](ProcessMachine& m) {
                return m.ready(toString(probe.kind) + " check: " + detail, now);
            });
            return;
        }
        check.nextAt = later(now, probe.interval);  // ready_timeout (the machine's) ends the attempts
        spdlog::debug("{}: not ready yet: {}", name, detail);
        queueDeadline(*inst);
        return;
    }
    if (ok) {
        check.misses = 0;
    } else if (++check.misses >= probe.failures) {
        const std::string why = "health check failed " + std::to_string(check.misses) +
                                (check.misses == 1 ? " time: " : " times: ") + detail;
        spdlog::warn("{}: {}", name, why);
        handle(*inst, [&](ProcessMachine& m) { return m.healthFailed(why, now); });
        return;
    } else {
        spdlog::info("{}: health check failed ({} of {}): {}", name, check.misses, probe.failures, detail);
    }
    check.nextAt = later(now, probe.interval);
    queueDeadline(*inst);
}

void Supervisor::matchReadyLines(Instance& inst, std::string_view data) {
    const auto& spec = inst.machine.spec();
    if (!inst.readyPattern || inst.readyPatternSource != spec.ready.pattern) {
        try {
            inst.readyPatternSource = spec.ready.pattern;
            inst.readyPattern =
                std::make_shared<const std::regex>(spec.ready.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {  // the config loader compiled it already
            spdlog::error("{}: log_line: {}", inst.name, e.what());
            return;
        }
    }
    const std::string name = inst.name;
    while (!data.empty()) {
        const auto nl = data.find('\n');
        const auto piece = data.substr(0, nl);
        if (inst.partialLine.size() < kMaxMatchedLine)
            inst.partialLine.append(piece.substr(0, kMaxMatchedLine - inst.partialLine.size()));
        if (nl == std::string_view::npos) return;  // the rest of the line comes later
        data.remove_prefix(nl + 1);
        std::string line = std::move(inst.partialLine);
        inst.partialLine.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        bool matched = false;
        try {
            matched = std::regex_search(line, *inst.readyPattern);
        } catch (const std::regex_error& e) {  // too complex for this line: not a match
            spdlog::debug("{}: log_line: {}", name, e.what());
        }
        if (matched) {
            const std::string shown = line.size() > 80 ? line.substr(0, 77) + "..." : line;
            handle(inst,
                   [&](ProcessMachine& m) { return m.ready("log line \"" + shown + "\"", clock_.now()); });
            return;
        }
    }
}

}  // namespace sup
