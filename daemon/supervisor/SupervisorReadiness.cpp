// How the Supervisor learns that an instance is ready or alive: sd_notify datagrams on the spawn's
// own NOTIFY_SOCKET. The machine decides what each report means; this file checks who sent it and
// turns the datagram into reports.
#include <spdlog/spdlog.h>

#include "core/NotifyMessage.h"
#include "supervisor/Supervisor.h"

namespace sup {

void Supervisor::onNotify(os::ProcessHost::Token token, const os::NotifyDatagram& datagram) {
    auto it = byToken_.find(token);
    if (it == byToken_.end()) return;
    Instance* inst = find(it->second);
    if (!inst || inst->token != token) return;  // an earlier spawn's socket, closing
    // Only the main process or a process of its session (each child is a session leader, so its
    // session id is its pid): one instance must not make another ready. `systemd-notify --ready`
    // from a shell script is such a helper; it waits (BARRIER=1) until its message was handled here,
    // so its session can still be looked up.
    const bool own = inst->pid > 0 && (datagram.senderPid == inst->pid ||
                                       (datagram.senderSession != 0 && datagram.senderSession == inst->pid));
    if (!own) {
        if (!inst->foreignNotifyWarned)
            spdlog::warn(
                "{}: ignored a notify message from pid {}: not its main process (pid {}) or a "
                "process of its session",
                inst->name, datagram.senderPid, inst->pid);
        inst->foreignNotifyWarned = true;
        return;
    }
    const NotifyMessage msg = parseNotifyMessage(datagram.text);
    const auto now = clock_.now();
    const std::string name = inst->name;
    const std::string statusBefore = inst->notifyStatus, phaseBefore = inst->notifyPhase;
    if (msg.status) inst->notifyStatus = *msg.status;
    // As systemd's "reloading" and "deactivating": shown in ReadyState until READY=1 says it is back.
    if (msg.reloading) inst->notifyPhase = "reloading";
    if (msg.stopping) inst->notifyPhase = "stopping";
    if (msg.ready && !msg.reloading) inst->notifyPhase.clear();
    if (msg.errnoValue) spdlog::info("{}: reported ERRNO={}", name, *msg.errnoValue);
    if (msg.mainPid && *msg.mainPid != inst->pid)
        spdlog::debug("{}: MAINPID={} ignored: supervisord follows the process it started", name,
                      *msg.mainPid);
    // Each report may change the state (and, in principle, forget the instance): look it up again.
    auto report = [&](auto&& event) {
        if (Instance* current = find(name); current && current->token == token) handle(*current, event);
    };
    if (msg.extendTimeout)
        report([&](ProcessMachine& m) { return m.extendTimeout(*msg.extendTimeout, now); });
    if (msg.ready && inst->machine.spec().ready.kind == ProbeKind::Notify)
        report([&](ProcessMachine& m) { return m.ready("READY=1", now); });
    if (msg.watchdogTimeout)
        report([&](ProcessMachine& m) { return m.setWatchdogTimeout(*msg.watchdogTimeout, now); });
    if (msg.watchdogPing) report([&](ProcessMachine& m) { return m.watchdogPing(now); });
    if (msg.watchdogTrigger) report([&](ProcessMachine& m) { return m.watchdogTrigger(now); });
    // NotifyStatus and ReadyState are signalled properties: a change that came with no transition
    // must reach the observers too (a transition above already carried the new values; the bus
    // compares values, so telling it twice sends nothing more).
    if (Instance* current = find(name);
        current && current->token == token &&
        (current->notifyStatus != statusBefore || current->notifyPhase != phaseBefore)) {
        auto info = infoOf(*current);
        for (auto* o : std::vector<ControlObserver*>(observers_)) o->onProcessChanged(info);
    }
    armTimer();
}

}  // namespace sup
