// Where an instance's output goes: its sinks (opened for each spec, retried when a log file could not be
// opened), the bytes from its pipes, and SIGUSR1's reopen.
#include <syslog.h>

#include <spdlog/spdlog.h>

#include "supervisor/Supervisor.h"

namespace sup {

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
            LogTarget memoryOnly;
            memoryOnly.kind = LogTarget::Kind::Memory;
            return makeSink(memoryOnly, inst.name, priority, files_, settings_);
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

void Supervisor::reopenLogs() {
    files_.reopenAll();
    retryFailedLogs();
    spdlog::info("reopened log files");
}

}  // namespace sup
