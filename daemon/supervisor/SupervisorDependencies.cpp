// The Supervisor's dependency rules (config/REFERENCE.md, "Dependencies, readiness and health"):
//   - a start asked by an operator or by autostart also starts what the instance requires and wants,
//     transitively, dependencies first;
//   - an instance is spawned only once everything it is ordered after (requires + after) that is
//     being started is ready; meanwhile its machine holds the start ("waiting for db (STARTING)");
//   - if something it requires failed (FATAL, EXITED, or itself blocked), the start is given up
//     ("dependency failed: db (FATAL)");
//   - a stop of something others require stops them first, each once what requires it is down.
// Automatic restarts by the restart policy do not wait for dependencies, and a crash (and restart)
// of a dependency does not stop what requires it: systemd's Requires= semantics.
#include <spdlog/spdlog.h>

#include "supervisor/Supervisor.h"

namespace sup {

bool Supervisor::isUp(const Instance& inst) const {
    const auto& m = inst.machine;
    return m.busy() || m.startHeld() || isActive(m.state()) ||
           (m.state() == ProcessState::Backoff && !m.finalStop());
}

Supervisor::DependencyGate Supervisor::dependencyGate(const Instance& inst) const {
    DependencyGate wait;
    for (const auto& name : deps_.orderedAfter(inst.name)) {
        const Instance* dep = find(name);
        if (!dep || dep->machine.removing()) continue;
        const auto& m = dep->machine;
        if (m.isReady()) continue;
        const auto state = m.state();
        if (m.startComing()) {
            if (wait.why.empty())
                wait.why = "waiting for " + name + " (" + std::string(toString(state)) + ")";
            continue;
        }
        // Not ready and not coming: a failure for what requires it; `after` alone only orders.
        if (deps_.needs(inst.name, name))
            return {DependencyGate::Kind::Fail,
                    "dependency failed: " + name + " (" +
                        (m.blockedByDependency() ? m.reason() : std::string(toString(state))) + ")"};
    }
    if (!wait.why.empty()) wait.kind = DependencyGate::Kind::Wait;
    return wait;
}

void Supervisor::startWithDependencies(const std::string& name) {
    // Dependencies first: by the time `name` is asked, what it waits on is starting (or failed).
    const auto closure = deps_.startClosure(name);
    for (const auto& member : closure) {
        Instance* inst = find(member);
        if (!inst || inst->machine.removing() || shuttingDown_) continue;
        requestStart(*inst, member == name);
    }
}

// `asked`: the instance an operator (or autostart) named. What it pulled in is started only if it
// is not up already; a oneshot that is done is not run again for a dependent.
void Supervisor::requestStart(Instance& inst, bool asked) {
    const auto& m = inst.machine;
    if (shuttingDown_) return;
    if (!asked && (m.isReady() || isUp(inst))) return;
    if (asked && (m.state() == ProcessState::Starting || m.state() == ProcessState::Running)) return;
    stopAfterDependents_.erase(inst.name);
    const auto now = clock_.now();
    const DependencyGate gate = dependencyGate(inst);
    switch (gate.kind) {
        case DependencyGate::Kind::Go:
            handle(inst, [&](ProcessMachine& machine) { return machine.start(now); });
            break;
        case DependencyGate::Kind::Wait:
            gate_.remove(inst.name);
            handle(inst, [&](ProcessMachine& machine) { return machine.holdStart(gate.why, now); });
            break;
        case DependencyGate::Kind::Fail:
            gate_.remove(inst.name);
            spdlog::warn("{}: not started: {}", inst.name, gate.why);
            handle(inst, [&](ProcessMachine& machine) { return machine.dependencyFailed(gate.why, now); });
            break;
    }
}

void Supervisor::stopWithDependents(const std::string& name) {
    std::vector<std::string> stopping;
    for (const auto& dependent : deps_.requiredByClosure(name)) {
        const Instance* inst = find(dependent);
        if (!inst || !isUp(*inst)) continue;
        stopAfterDependents_.insert(dependent);
        stopping.push_back(dependent);
    }
    if (!stopping.empty()) {
        std::string list;
        for (const auto& d : stopping) list += (list.empty() ? "" : ", ") + d;
        spdlog::info("{}: stopping what requires it first: {}", name, list);
    }
    stopAfterDependents_.insert(name);
    // Those with nothing up above them go now; the others follow as their dependents go down.
    for (const auto& d : stopping) reviewStop(d);
    reviewStop(name);
}

void Supervisor::reviewDependencies(const std::string& name) {
    dependencyQueue_.push_back(name);
    if (reviewingDependencies_) return;  // the outer call drains the queue
    reviewingDependencies_ = true;
    while (!dependencyQueue_.empty()) {
        const std::string changed = std::move(dependencyQueue_.back());
        dependencyQueue_.pop_back();
        for (const auto& dependent : deps_.orderedBefore(changed)) reviewHeldStart(dependent);
        if (!stopAfterDependents_.empty())
            for (const auto& dependency : deps_.required(changed))
                if (stopAfterDependents_.count(dependency)) reviewStop(dependency);
    }
    reviewingDependencies_ = false;
}

void Supervisor::reviewHeldStart(const std::string& name) {
    Instance* inst = find(name);
    // A shutdown cancels every held start; until each machine has heard of it, none is released.
    if (!inst || !inst->machine.startHeld() || shuttingDown_) return;
    const auto now = clock_.now();
    const DependencyGate gate = dependencyGate(*inst);
    switch (gate.kind) {
        case DependencyGate::Kind::Go:
            handle(*inst, [&](ProcessMachine& m) { return m.releaseStart(now); });
            break;
        case DependencyGate::Kind::Wait:
            if (inst->machine.reason() != gate.why)
                handle(*inst, [&](ProcessMachine& m) { return m.holdStart(gate.why, now); });
            break;
        case DependencyGate::Kind::Fail:
            spdlog::warn("{}: not started: {}", name, gate.why);
            handle(*inst, [&](ProcessMachine& m) { return m.dependencyFailed(gate.why, now); });
            break;
    }
}

void Supervisor::reviewStop(const std::string& name) {
    if (!stopAfterDependents_.count(name)) return;
    for (const auto& dependent : deps_.requiredBy(name)) {
        if (stopAfterDependents_.count(dependent)) return;  // its own stop waits
        const Instance* inst = find(dependent);
        if (!inst) continue;
        const auto state = inst->machine.state();
        // Still going down. (One an operator started again meanwhile does not hold this stop.)
        if (state == ProcessState::Stopping ||
            (inst->machine.busy() && state != ProcessState::Starting && state != ProcessState::Running))
            return;
    }
    stopAfterDependents_.erase(name);
    Instance* inst = find(name);
    if (!inst) return;
    gate_.remove(name);
    armTimer();
    handle(*inst, [&](ProcessMachine& m) { return m.stop(clock_.now()); });
}

}  // namespace sup
