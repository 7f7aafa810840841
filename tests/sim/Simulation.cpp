#include "sim/Simulation.h"

#include <signal.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/ConfigDiff.h"
#include "sim/FakeHost.h"
#include "supervisor/Supervisor.h"

namespace sup::sim {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kNames[] = {"a", "b", "c", "d", "e"};
const char* kPrograms[] = {"sleeper", "ignore-term", "daemonizer", "daemonizer stubborn", "escaper"};

// How long after forks succeed again every instance waiting at the ForkGate must have been admitted:
// the gate's backoff cap (30 s) plus its jitter (25 %), plus a margin.
constexpr auto kGateBound = seconds(40);
// After SIGKILL to leftovers the machine waits this long before giving up on them.
constexpr auto kLeftoverGrace = seconds(5);

template <typename T, std::size_t N>
const T& pickFrom(std::mt19937_64& rng, const T (&arr)[N]) {
    return arr[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

int uniform(std::mt19937_64& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

void setProgram(ServiceSpec& s, const std::string& program) {
    s.command.clear();
    std::istringstream in(program);
    std::string word;
    while (in >> word) s.command.push_back(word);
}

void randomizeField(ServiceSpec& s, std::mt19937_64& rng, int field) {
    switch (field) {
        case 0:
            setProgram(s, pickFrom(rng, kPrograms));
            break;
        case 1: {
            const milliseconds t[] = {milliseconds(100), milliseconds(500), seconds(1), seconds(3),
                                      seconds(4)};
            s.stopTimeout = pickFrom(rng, t);
            break;
        }
        case 2: {
            const milliseconds t[] = {milliseconds(0), milliseconds(0), seconds(1)};
            s.startSeconds = pickFrom(rng, t);
            break;
        }
        case 3: {
            const RestartMode m[] = {RestartMode::Always, RestartMode::Always, RestartMode::OnFailure,
                                     RestartMode::Never};
            s.restart = pickFrom(rng, m);
            break;
        }
        case 4:
            s.startRetries = static_cast<unsigned>(uniform(rng, 0, 3));
            break;
        case 5: {
            const milliseconds t[] = {milliseconds(0), milliseconds(100), seconds(1)};
            s.backoff.initial = pickFrom(rng, t);
            s.backoff.max = seconds(uniform(rng, 1, 2));
            break;
        }
        case 6:
            s.autostart = uniform(rng, 0, 4) != 0;
            break;
        case 7:
            s.killGroup = uniform(rng, 0, 3) != 0;
            break;
        case 8: {
            const int p[] = {10, 50, 100};
            s.priority = pickFrom(rng, p);
            break;
        }
        case 9: {
            // Edges only to names earlier in kNames: the graph stays acyclic, as the loader ensures.
            s.required.clear(), s.wanted.clear(), s.after.clear();
            for (const char* other : kNames) {
                if (std::string(other) >= s.name) break;
                std::string target = other;
                if (uniform(rng, 0, 3) == 0) target += "@" + std::to_string(uniform(rng, 0, 1));
                const DependencyRef ref{target, SourceLocation{"sim.yaml", 2, 3}};
                switch (uniform(rng, 0, 5)) {
                    case 0:
                        s.required.push_back(ref);
                        break;
                    case 1:
                        s.wanted.push_back(ref);
                        break;
                    case 2:
                        s.after.push_back(ref);
                        break;
                    default:
                        break;
                }
            }
            break;
        }
        case 10: {
            // A oneshot is done when a live process exits 0; a notify service is never ready here (the
            // fake sends no READY=1), so it meets ready_timeout.
            s.type = uniform(rng, 0, 5) == 0 ? ServiceType::Oneshot : ServiceType::Simple;
            s.ready.kind = s.type == ServiceType::Simple && uniform(rng, 0, 7) == 0 ? ProbeKind::Notify
                                                                                    : ProbeKind::Started;
            const milliseconds t[] = {milliseconds(500), seconds(2), seconds(90)};
            s.readyTimeout = pickFrom(rng, t);
            if (s.type == ServiceType::Oneshot && s.restart == RestartMode::Always)
                s.restart = RestartMode::OnFailure;
            break;
        }
    }
}
// ChangeField picks among the first kFields (named scenarios pin their field by `value % kFields`);
// the dependency and readiness fields change through Mutation::Dependencies.
constexpr int kFields = 9;
constexpr int kAllFields = 11;

ServiceSpec randomService(const std::string& name, std::mt19937_64& rng) {
    ServiceSpec s = makeService(name, "sleeper");
    for (int f = 0; f < kAllFields; ++f) randomizeField(s, rng, f);
    s.numprocs = static_cast<unsigned>(uniform(rng, 1, 4));
    // About half read their stdout through a pipe; the rest discard it (/dev/null). Chosen by name,
    // not by the generator, so that every seed keeps the run it had.
    if (!name.empty() && name.back() % 2) s.stdoutTarget.kind = LogTarget::Kind::Memory;
    return s;
}

std::string pickPattern(std::mt19937_64& rng) {
    switch (uniform(rng, 0, 5)) {
        case 0:
            return "all";
        case 1:
        case 2:
            return pickFrom(rng, kNames);
        case 3:
            return std::string(pickFrom(rng, kNames)) + "@" + std::to_string(uniform(rng, 0, 3));
        case 4:
            return std::string(pickFrom(rng, kNames)) + "*";
        default:
            return "*@" + std::to_string(uniform(rng, 0, 3));
    }
}

class Run;

}  // namespace

ServiceSpec makeService(const std::string& name, const std::string& program, unsigned numprocs) {
    ServiceSpec s;
    s.name = name;
    setProgram(s, program);
    s.numprocs = numprocs;
    s.stopTimeout = seconds(1);
    s.startSeconds = milliseconds(0);
    s.backoff = BackoffSpec{milliseconds(100), seconds(2), seconds(60)};
    s.stdoutTarget.kind = LogTarget::Kind::Null;
    s.stderrTarget.kind = LogTarget::Kind::Null;
    s.where = SourceLocation{"sim.yaml", 1, 1};
    return s;
}

std::string describe(const ServiceSpec& s) {
    std::ostringstream o;
    o << s.name << ": {command: [";
    for (std::size_t i = 0; i < s.command.size(); ++i) o << (i ? ", " : "") << s.command[i];
    o << "], numprocs: " << s.numprocs << ", priority: " << s.priority
      << ", stop_timeout: " << s.stopTimeout.count() << "ms, start_seconds: " << s.startSeconds.count()
      << "ms, restart: " << toString(s.restart) << ", start_retries: " << s.startRetries
      << ", backoff: " << s.backoff.initial.count() << "ms.." << s.backoff.max.count()
      << "ms, autostart: " << (s.autostart ? "true" : "false")
      << ", kill_group: " << (s.killGroup ? "true" : "false")
      << ", stdout: " << (s.stdoutTarget.kind == LogTarget::Kind::Null ? "null" : "memory");
    if (s.type == ServiceType::Oneshot) o << ", type: oneshot";
    if (s.ready.kind != ProbeKind::Started) o << ", ready: " << toString(s.ready.kind);
    if (s.type == ServiceType::Oneshot || s.ready.kind != ProbeKind::Started)
        o << ", ready_timeout: " << s.readyTimeout.count() << "ms";
    auto list = [&](const char* key, const std::vector<DependencyRef>& refs) {
        if (refs.empty()) return;
        o << ", " << key << ": [";
        for (std::size_t i = 0; i < refs.size(); ++i) o << (i ? ", " : "") << refs[i].name;
        o << "]";
    };
    list("requires", s.required);
    list("wants", s.wanted);
    list("after", s.after);
    o << "}";
    return o.str();
}

std::string describe(const Op& op) {
    auto mut = [&] {
        switch (op.mutation) {
            case Op::Mutation::AddService:
                return std::string("add service ") + kNames[op.pick % 5];
            case Op::Mutation::RemoveService:
                return "remove service #" + std::to_string(op.pick);
            case Op::Mutation::ChangeField:
                return "change field " + std::to_string(op.value % kFields) + " of service #" +
                       std::to_string(op.pick);
            case Op::Mutation::NumprocsUp:
                return "numprocs up on service #" + std::to_string(op.pick);
            case Op::Mutation::NumprocsDown:
                return "numprocs down on service #" + std::to_string(op.pick);
            case Op::Mutation::Priority:
                return "priority change on service #" + std::to_string(op.pick);
            case Op::Mutation::SetNumprocs:
                return "numprocs " + std::to_string(op.value) + " on service #" + std::to_string(op.pick);
            case Op::Mutation::SetEnvironment:
                return "environment SIM=" + std::to_string(op.value) + " on service #" +
                       std::to_string(op.pick);
            case Op::Mutation::Dependencies:
                return "dependencies and readiness on service #" + std::to_string(op.pick) + " (seed " +
                       std::to_string(op.value) + ")";
        }
        return std::string("?");
    };
    switch (op.kind) {
        case Op::Kind::Start:
            return "supctl start " + op.pattern;
        case Op::Kind::Stop:
            return "supctl stop " + op.pattern;
        case Op::Kind::Restart:
            return "supctl restart " + op.pattern;
        case Op::Kind::Signal:
            return "supctl signal " + signalName(op.value) + " " + op.pattern;
        case Op::Kind::Reload:
            return "reload after: " + mut() + " (seed " + std::to_string(op.value) + ")";
        case Op::Kind::BrokenReload:
            return "reload of a config that does not load";
        case Op::Kind::Exit:
            return "live process #" + std::to_string(op.pick) + " exits " + std::to_string(op.value);
        case Op::Kind::Kill9:
            return "kill -9 live process #" + std::to_string(op.pick);
        case Op::Kind::ExecFail:
            return op.value ? "next spawn fails for good (no child)" : "next exec fails (ENOENT)";
        case Op::Kind::ForkPressure:
            return std::string("fork EAGAIN ") + (op.value ? "on" : "off");
        case Op::Kind::PipePressure:
            return std::string("pipe EMFILE ") + (op.value ? "on" : "off");
        case Op::Kind::Advance:
            return "advance " + std::to_string(op.value) + "ms";
        case Op::Kind::ExecStatus:
            return "read one exec status";
        case Op::Kind::Output:
            return "live process #" + std::to_string(op.pick) + " writes a line";
        case Op::Kind::Shutdown:
            return "SIGTERM to the daemon (shutdown)";
    }
    return "?";
}

std::string describe(const Scenario& sc) {
    std::ostringstream o;
    o << "seed " << sc.seed << "\nconfig:\n";
    for (auto& s : sc.services) o << "  " << describe(s) << "\n";
    o << "operations:\n";
    for (std::size_t i = 0; i < sc.ops.size(); ++i) o << "  " << i << ": " << describe(sc.ops[i]) << "\n";
    return o.str();
}

Scenario generate(std::uint64_t seed, std::size_t steps) {
    std::mt19937_64 rng(seed);
    Scenario sc;
    sc.seed = seed;
    for (const char* name : kNames)
        if (uniform(rng, 0, 2) != 0) sc.services.push_back(randomService(name, rng));
    bool shutdown = false;
    for (std::size_t i = 0; i < steps; ++i) {
        Op op;
        const int r = uniform(rng, 0, 999);
        op.pick = static_cast<std::uint32_t>(rng());
        if (r < 70) {
            op.kind = Op::Kind::Start, op.pattern = pickPattern(rng);
        } else if (r < 140) {
            op.kind = Op::Kind::Stop, op.pattern = pickPattern(rng);
        } else if (r < 210) {
            op.kind = Op::Kind::Restart, op.pattern = pickPattern(rng);
        } else if (r < 240) {
            const int sigs[] = {SIGTERM, SIGHUP, SIGUSR1, SIGKILL};
            op.kind = Op::Kind::Signal, op.pattern = pickPattern(rng), op.value = pickFrom(rng, sigs);
        } else if (r < 330) {
            op.kind = Op::Kind::Reload;
            op.mutation = static_cast<Op::Mutation>(uniform(rng, 0, 8));
            op.value =
                op.mutation == Op::Mutation::SetNumprocs ? uniform(rng, 1, 4) : uniform(rng, 0, 1 << 20);
        } else if (r < 340) {
            op.kind = Op::Kind::BrokenReload;
        } else if (r < 450) {
            op.kind = Op::Kind::Exit, op.value = uniform(rng, 0, 2);
        } else if (r < 500) {
            op.kind = Op::Kind::Kill9;
        } else if (r < 525) {
            op.kind = Op::Kind::ExecFail, op.value = uniform(rng, 0, 1);
        } else if (r < 550) {
            op.kind = Op::Kind::ForkPressure, op.value = uniform(rng, 0, 1);
        } else if (r < 565) {
            op.kind = Op::Kind::PipePressure, op.value = uniform(rng, 0, 1);
        } else if (r < 860) {
            const int ms[] = {1, 50, 200, 1000, 1000, 3000, 10000, 60000};
            op.kind = Op::Kind::Advance, op.value = pickFrom(rng, ms);
        } else if (r < 960) {
            op.kind = Op::Kind::ExecStatus;
        } else if (r < 996 || shutdown) {
            op.kind = Op::Kind::Output;
        } else {
            op.kind = Op::Kind::Shutdown;
            shutdown = true;
        }
        sc.ops.push_back(op);
    }
    return sc;
}

namespace {

struct Failure {
    std::string what;
};

// What a D-Bus client would believe: every state change it was told of. It must follow the machine
// exactly, with no change missed or reported from a state the client was never told of.
class Witness final : public ControlObserver {
  public:
    void onStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string&) override {
        auto it = told_.find(info.name);
        const ProcessState known = it == told_.end() ? ProcessState::Stopped : it->second;
        if (known != oldState && error_.empty())
            error_ = info.name + " reported " + std::string(toString(oldState)) + " -> " +
                     std::string(toString(info.state)) + " but clients last saw " +
                     std::string(toString(known));
        told_[info.name] = info.state;
    }
    void onProcessesAdded(const std::vector<std::string>& names) override {
        for (auto& n : names) {
            if (told_.count(n) && error_.empty()) error_ = n + " added twice";
            told_[n] = ProcessState::Stopped;
        }
    }
    void onProcessesRemoved(const std::vector<std::string>& names) override {
        for (auto& n : names)
            if (!told_.erase(n) && error_.empty()) error_ = n + " removed but never known";
    }
    // The same instance under a new name: what clients knew of it carries over.
    void onProcessRenamed(const std::string& from, const std::string& to) override {
        auto it = told_.find(from);
        if (it == told_.end()) {
            if (error_.empty()) error_ = from + " renamed but never known";
            return;
        }
        if (told_.count(to) && error_.empty()) error_ = from + " renamed to " + to + ", which exists";
        const ProcessState known = it->second;
        told_.erase(it);
        told_[to] = known;
        // The checks that follow a process to its instance (e) must follow the rename too: they
        // counted an exit of "c@0" as not being one of "c".
        if (host_) host_->renameInstance(from, to);
    }
    void onOutput(const std::string&, OutputStream, std::string_view) override {}
    void onDaemonStateChanged(DaemonState) override {}

    std::map<std::string, ProcessState> told_;
    std::string error_;
    FakeHost* host_ = nullptr;
};

// One execution of a scenario. Throws Failure at the first broken invariant.
class Run {
  public:
    explicit Run(const Scenario& sc) : scenario_(sc), rng_(sc.seed ^ 0x5eedULL) {
        file_.services = sc.services;
        sortServices();
        Supervisor::Options options;
        options.configPath = "sim.yaml";
        options.loadConfig = [this](const std::string&) {
            if (brokenNext_) throw std::runtime_error("sim.yaml:3:5: services.a.command: broken on purpose");
            return file_;
        };
        options.randomSeed = sc.seed;
        sup_.emplace(host_, clock_, diagnostics_, options, file_);
        for (auto& name : sup_->instanceNames()) witness_.told_[name] = ProcessState::Stopped;
        witness_.host_ = &host_;
        sup_->addObserver(&witness_);
        sup_->startAutostart();
        sup_->setDaemonState(DaemonState::Running);
        settle();
        check();
    }

    void step(const Op& op) {
        auto transientBefore = failedStarts();
        apply(op);
        settle();
        advance(milliseconds(0));  // what became due now (a shorter timeout) fires in the next loop turn
        check();
        checkTransient(transientBefore);
    }

    // Faults off, time runs until everything has settled, then the final checks; then a shutdown.
    void finish() {
        host_.forkFails = host_.pipeFails = host_.nextExecFails = host_.nextSpawnFails = false;
        noteFaults();
        while (host_.deliverExecStatus()) settle();
        if (!shutdownAt_) {
            advance(settleTime());
            checkQuiet();
            beginShutdown();
        }
        // Shutdown must end within its bound; time runs in steps so every deadline fires.
        for (int i = 0; i < 1000 && !shutdownDone_; ++i) advance(milliseconds(500));
        if (!shutdownDone_) fail("(b) shutdown did not complete");
        if (!host_.processes().empty())
            fail("(b) after shutdown " + std::to_string(host_.processes().size()) +
                 " processes are left, e.g. pid " + std::to_string(host_.processes().begin()->first));
    }

    const Supervisor& supervisor() const { return *sup_; }
    const FakeHost& host() const { return host_; }

  private:
    [[noreturn]] void fail(const std::string& what) { throw Failure{what}; }

    void sortServices() {
        std::sort(file_.services.begin(), file_.services.end(),
                  [](auto& a, auto& b) { return a.name < b.name; });
    }

    void settle() {
        for (int i = 0; host_.hasZombies(); ++i) {
            if (i > 100) fail("zombies are never reaped");
            sup_->onChildExited();
        }
    }

    std::map<std::string, unsigned> failedStarts() const {
        std::map<std::string, unsigned> out;
        for (auto& name : sup_->instanceNames()) out[name] = sup_->view(name)->machine->failedStarts();
        return out;
    }

    void noteFaults() {
        const bool pressure = host_.forkFails || host_.pipeFails;
        if (pressure)
            pressureOffSince_.reset();
        else if (!pressureOffSince_)
            pressureOffSince_ = clock_.now();
    }

    void control(const Op& op) {
        std::vector<std::string> names;
        try {
            names = sup_->match({op.pattern});
        } catch (const ControlError&) {
            return;
        }
        for (auto& name : names) {
            try {
                switch (op.kind) {
                    case Op::Kind::Start:
                        sup_->start(name);
                        break;
                    case Op::Kind::Stop:
                        sup_->stop(name);
                        break;
                    case Op::Kind::Restart:
                        sup_->restart(name);
                        break;
                    case Op::Kind::Signal:
                        sup_->signal(name, op.value);
                        break;
                    default:
                        break;
                }
            } catch (const ControlError&) {
                // Refusals (already running, not running, shutting down) are answers, not failures.
            }
            settle();
        }
    }

    void mutate(const Op& op) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(op.value));
        auto& services = file_.services;
        switch (op.mutation) {
            case Op::Mutation::AddService: {
                std::string name = kNames[op.pick % 5];
                if (std::none_of(services.begin(), services.end(), [&](auto& s) { return s.name == name; }))
                    services.push_back(randomService(name, rng));
                break;
            }
            case Op::Mutation::RemoveService:
                if (!services.empty()) services.erase(services.begin() + op.pick % services.size());
                break;
            case Op::Mutation::ChangeField:
                if (!services.empty())
                    randomizeField(services[op.pick % services.size()], rng, op.value % kFields);
                break;
            case Op::Mutation::NumprocsUp:
                if (!services.empty()) {
                    auto& s = services[op.pick % services.size()];
                    s.numprocs = std::min(4u, s.numprocs + 1 + static_cast<unsigned>(op.value % 2));
                }
                break;
            case Op::Mutation::NumprocsDown:
                if (!services.empty()) {
                    auto& s = services[op.pick % services.size()];
                    s.numprocs = std::max(1u, s.numprocs - std::min(s.numprocs - 1, 1u + op.value % 2));
                }
                break;
            case Op::Mutation::Priority:
                if (!services.empty()) randomizeField(services[op.pick % services.size()], rng, 8);
                break;
            case Op::Mutation::SetNumprocs:
                if (!services.empty())
                    services[op.pick % services.size()].numprocs = static_cast<unsigned>(op.value);
                break;
            case Op::Mutation::SetEnvironment:
                if (!services.empty())
                    services[op.pick % services.size()].environment["SIM"] = std::to_string(op.value);
                break;
            case Op::Mutation::Dependencies:
                if (!services.empty()) {
                    auto& s = services[op.pick % services.size()];
                    randomizeField(s, rng, 9);
                    randomizeField(s, rng, 10);
                }
                break;
        }
        sortServices();
    }

    pid_t pickLive(std::uint32_t pick) const {
        auto live = host_.live();
        if (live.empty()) return 0;
        return live[pick % live.size()];
    }

    void apply(const Op& op) {
        switch (op.kind) {
            case Op::Kind::Start:
            case Op::Kind::Stop:
            case Op::Kind::Restart:
            case Op::Kind::Signal:
                control(op);
                break;
            case Op::Kind::Reload: {
                mutate(op);
                auto r = sup_->reload();
                if (!r.ok && !shutdownAt_) fail("a valid reload was refused: " + r.error);
                break;
            }
            case Op::Kind::BrokenReload: {
                std::map<std::string, std::pair<pid_t, ProcessState>> before;
                for (auto& name : sup_->instanceNames()) {
                    auto v = sup_->view(name);
                    before[name] = {v->pid, v->machine->state()};
                }
                brokenNext_ = true;
                auto r = sup_->reload();
                brokenNext_ = false;
                if (r.ok) fail("a broken config was accepted");
                std::map<std::string, std::pair<pid_t, ProcessState>> after;
                for (auto& name : sup_->instanceNames()) {
                    auto v = sup_->view(name);
                    after[name] = {v->pid, v->machine->state()};
                }
                if (before != after) fail("a refused reload changed the running instances");
                break;
            }
            case Op::Kind::Exit:
                if (pid_t pid = pickLive(op.pick)) host_.exit(pid, op.value);
                break;
            case Op::Kind::Kill9:
                if (pid_t pid = pickLive(op.pick)) host_.killProcess(pid, SIGKILL);
                break;
            case Op::Kind::ExecFail:
                (op.value ? host_.nextSpawnFails : host_.nextExecFails) = true;
                break;
            case Op::Kind::ForkPressure:
                host_.forkFails = op.value != 0;
                noteFaults();
                break;
            case Op::Kind::PipePressure:
                host_.pipeFails = op.value != 0;
                noteFaults();
                break;
            case Op::Kind::Advance:
                advance(milliseconds(op.value));
                break;
            case Op::Kind::ExecStatus:
                host_.deliverExecStatus();
                break;
            case Op::Kind::Output:
                if (pid_t pid = pickLive(op.pick))
                    host_.writeOutput(pid, "line " + std::to_string(op.pick) + "\n");
                break;
            case Op::Kind::Shutdown:
                beginShutdown();
                break;
        }
    }

    void beginShutdown() {
        if (shutdownAt_) return;
        shutdownAt_ = clock_.now();
        spawnsAtShutdown_ = host_.spawnsDone();
        // Levels stop one after another; each takes at most its longest stop_timeout for the main
        // processes, as long again for what they left behind, and the grace after SIGKILL.
        std::map<int, milliseconds> levels;
        for (auto& name : sup_->instanceNames()) {
            auto v = sup_->view(name);
            auto& spec = v->machine->spec();
            levels[spec.priority] = std::max(levels[spec.priority], spec.stopTimeout);
        }
        milliseconds bound{0};
        for (auto& [p, t] : levels) bound += 2 * t + kLeftoverGrace + seconds(1);
        shutdownBound_ = later(*shutdownAt_, bound + seconds(6));  // + the orphans' SIGKILL grace
        sup_->beginShutdown([this] { shutdownDone_ = true; });
        settle();
    }

    // Time passes. A real child's exec status arrives within microseconds; the simulation holds it
    // back only across short steps, so both orders of "exec status" and "other events" are explored.
    void advance(milliseconds d) {
        const TimePoint target = clock_.now() + d;
        const bool deliver = d >= milliseconds(50);
        int firings = 0;
        for (;;) {
            while (deliver && host_.deliverExecStatus()) settle();
            auto t = host_.timer();
            if (!t || *t > target) break;
            if (*t > clock_.now()) {
                firings = 0;
                clock_.set(*t);
            }
            if (++firings > 10000) fail("the timer fires again and again without time passing (a busy loop)");
            host_.fireTimer();
            settle();
            // Several deadlines due at one moment take several passes (kDeadlinesPerPass): check
            // once they all have been handled.
            if (auto next = host_.timer(); !next || *next > clock_.now()) check(false);
        }
        clock_.set(target);
        check();
    }

    // (g): every query answers for every listed instance, and list() shows them all.
    void checkQueries(const std::vector<std::string>& names) {
        std::set<std::string> listed;
        for (auto& info : sup_->list()) {
            listed.insert(info.name);
            try {
                (void)sup_->get(info.name);
                (void)sup_->tail(info.name, OutputStream::Stdout, 5);
            } catch (const std::exception& e) {
                fail("(g) querying listed " + info.name + " throws: " + e.what());
            }
        }
        if (listed != std::set<std::string>(names.begin(), names.end()))
            fail("(g) list() does not show every instance");
    }

    // Every invariant. `queries` adds (g), the costly part: done after every operation, and skipped
    // between the timer firings within one.
    void check(bool queries = true) {
        const auto now = clock_.now();
        const auto names = sup_->instanceNames();
        std::map<pid_t, std::string> mains;
        std::map<pid_t, std::string> groups;  // pgid -> instance still answerable for it
        for (auto& name : names) {
            auto v = sup_->view(name);
            const ProcessMachine& m = *v->machine;
            if (v->pid > 0) {
                auto it = host_.processes().find(v->pid);
                if (it == host_.processes().end() || !it->second.alive)
                    fail("(a) " + name + " believes in pid " + std::to_string(v->pid) + ", which is gone");
                if (!mains.emplace(v->pid, name).second)
                    fail("(a) pid " + std::to_string(v->pid) + " belongs to " + name + " and " +
                         mains[v->pid]);
            }
            if (v->pid > 0 || m.leftovers() > 0) groups[v->pgid] = name;
            if ((v->pid > 0) != m.hasProcess())
                fail("(a) " + name + ": the machine and the supervisor disagree about its process");
            // (d) nothing stays STOPPING past stop_timeout: SIGKILL is sent at the deadline.
            if (m.state() == ProcessState::Stopping && now > later(m.stateSince(), m.spec().stopTimeout))
                fail("(d) " + name + " is STOPPING since " +
                     std::to_string(std::chrono::duration_cast<milliseconds>(now - m.stateSince()).count()) +
                     "ms, past its stop_timeout");
            if (m.leftovers() > 0 && now > later(m.stateSince(), m.spec().stopTimeout + 2 * kLeftoverGrace) &&
                now > later(m.stateSince(), 2 * m.spec().stopTimeout + kLeftoverGrace))
                fail("(d) " + name + " still waits for its leftovers");
            if (shutdownAt_ && (m.state() == ProcessState::Backoff || v->waitingAtGate))
                fail("(b) " + name + " waits to restart during shutdown");
        }
        for (auto& [pid, p] : host_.processes()) {
            if (!p.alive) fail("(a) pid " + std::to_string(pid) + " is a zombie after reaping");
            if (mains.count(pid)) continue;
            if (p.main)
                fail("(a) pid " + std::to_string(pid) + " of " + p.instance + " belongs to no instance");
            if (groups.count(p.pgid)) continue;
            // A process that left its service's process group (setsid) is seen only when it becomes our
            // child; without a cgroup nothing ties it to an instance. It must not survive a shutdown.
            if (p.pgid == pid) continue;
            fail("(a) pid " + std::to_string(pid) + " (group " + std::to_string(p.pgid) + ", from " +
                 p.instance + ") is left behind and nobody stops it");
        }
        // (b)
        if (shutdownAt_) {
            if (host_.spawnsDone() != spawnsAtShutdown_) fail("(b) a process was spawned during shutdown");
            if (!shutdownDone_ && now > shutdownBound_)
                fail("(b) shutdown still runs " +
                     std::to_string(std::chrono::duration_cast<milliseconds>(now - *shutdownAt_).count()) +
                     "ms after it began");
        }
        // (f)
        if (pressureOffSince_ && now - *pressureOffSince_ > kGateBound && sup_->waitingAtGate() > 0)
            fail("(f) " + std::to_string(sup_->waitingAtGate()) + " instances still wait at the ForkGate " +
                 "long after forks succeed again");
        // (g) every query answers for every listed instance.
        if (queries) checkQueries(names);
        // (h) clients were told every change: their picture is the supervisor's.
        if (!witness_.error_.empty()) fail("(h) " + witness_.error_);
        if (witness_.told_.size() != names.size()) fail("(h) clients know a different set of instances");
        for (auto& name : names) {
            auto it = witness_.told_.find(name);
            if (it == witness_.told_.end() || it->second != sup_->view(name)->machine->state())
                fail("(h) clients were not told that " + name + " is " +
                     std::string(toString(sup_->view(name)->machine->state())));
        }
        // (h) the per-state counts behind STATUS= are those of the instances.
        for (std::size_t i = 0; i < kProcessStateCount; ++i) {
            const auto state = static_cast<ProcessState>(i);
            std::size_t counted = 0;
            for (auto& name : names) counted += sup_->view(name)->machine->state() == state ? 1 : 0;
            if (sup_->countIn(state) != counted)
                fail("(h) countIn(" + std::string(toString(state)) + ") is " +
                     std::to_string(sup_->countIn(state)) + ", but " + std::to_string(counted) +
                     " instances are in it");
        }
        // (i) a held start waits for something: an instance it is ordered after that is coming and
        // not ready yet. Otherwise it would wait forever.
        for (auto& name : names) {
            const auto& m = *sup_->view(name)->machine;
            if (!m.startHeld()) continue;
            bool waiting = false;
            for (const auto& dep : sup_->dependencies().orderedAfter(name)) {
                auto dv = sup_->view(dep);
                if (!dv || dv->machine->isReady() || dv->machine->removing()) continue;
                const auto st = dv->machine->state();
                waiting = waiting || dv->machine->startHeld() || st == ProcessState::Starting ||
                          st == ProcessState::Backoff ||
                          (st == ProcessState::Stopping && dv->machine->wantsStartAfterStop());
            }
            if (!waiting) fail("(i) " + name + " holds a start with nothing to wait for: " + m.reason());
        }
        // No pipe is leaked: each instance holds the pipes of one spawn at most.
        if (host_.openTokens() > names.size())
            fail("pipes leak: " + std::to_string(host_.openTokens()) + " open for " +
                 std::to_string(names.size()) + " instances");
    }

    // (e) a transient fork failure never counts as a failed start.
    void checkTransient(const std::map<std::string, unsigned>& before) {
        auto failed = host_.takeTransientFailures();
        auto ended = host_.takeEnded();
        auto after = failedStarts();
        for (auto& name : failed) {
            auto b = before.find(name);
            auto a = after.find(name);
            if (b == before.end() || a == after.end()) continue;
            if (a->second > b->second && !ended.count(name))
                fail("(e) " + name + ": a transient fork failure counted as a failed start");
        }
    }

    // How long the quiet period must be for every instance to come to rest: 10 minutes, plus, for each
    // service that waits in STARTING (a notify service here never gets READY=1; a oneshot is STARTING
    // until it is done), every start it may try meeting ready_timeout, its stop and its backoff.
    // Summed over services, since a dependent may wait for each of them in turn. (A fixed 10 minutes
    // was too short: seed 201457, a notify service with ready_timeout 90s and start_retries 2 waiting
    // for a dependency stuck behind the fork gate. Oneshots were left out: seed 313977, a daemonizing
    // oneshot with ready_timeout 90s and 3 retries behind a notify service that needed 5 minutes.)
    milliseconds settleTime() const {
        milliseconds total(600000);
        for (const auto& spec : file_.services) {
            // The machine's own rule (ProcessMachine::waitsForReadiness) for who waits in STARTING.
            if (spec.ready.kind == ProbeKind::Started && spec.type != ServiceType::Oneshot) continue;
            const auto wait =
                std::min<milliseconds>(spec.readyTimeout, std::chrono::hours(1));  // not `infinity`
            const auto attempt = wait + spec.stopTimeout + milliseconds(5000) + spec.backoff.max;
            total += attempt * (spec.startRetries + 1);
        }
        return total;
    }

    // (c) once quiet, the instances are the config's and each is in a state of rest.
    void checkQuiet() {
        std::set<std::string> expected;
        for (auto& ref : instancesOf(shareSpecs(file_.services))) expected.insert(ref.name);
        auto names = sup_->instanceNames();
        if (std::set<std::string>(names.begin(), names.end()) != expected)
            fail("(c) once quiet, the instances differ from the config's");
        for (auto& name : names) {
            auto v = sup_->view(name);
            const ProcessMachine& m = *v->machine;
            auto s = m.state();
            if (s == ProcessState::Backoff || s == ProcessState::Starting || s == ProcessState::Stopping)
                fail("(c) once quiet, " + name + " is still " + std::string(toString(s)));
            if (m.leftovers() > 0 || v->waitingAtGate) fail("(c) once quiet, " + name + " still waits");
            if ((s == ProcessState::Running) != (v->pid > 0))
                fail("(c) " + name + " is " + std::string(toString(s)) + " with pid " +
                     std::to_string(v->pid));
            if (m.replacementPending() || m.removing()) fail("(c) " + name + " still has a reload pending");
            if (!(m.spec() == *findSpec(m.spec().name)))
                fail("(c) " + name + " runs with a spec that is not the config's");
        }
    }
    const ServiceSpec* findSpec(const std::string& name) const {
        for (auto& s : file_.services)
            if (s.name == name) return &s;
        return nullptr;
    }

    const Scenario& scenario_;
    std::mt19937_64 rng_;
    FakeHost host_;
    ManualClock clock_;
    PlainDiagnostics diagnostics_;
    Config file_;
    bool brokenNext_ = false;
    Witness witness_;
    std::optional<Supervisor> sup_;
    std::optional<TimePoint> shutdownAt_;
    TimePoint shutdownBound_{};
    bool shutdownDone_ = false;
    std::size_t spawnsAtShutdown_ = 0;
    std::optional<TimePoint> pressureOffSince_ = TimePoint{};
};

}  // namespace

std::optional<Violation> run(const Scenario& sc, const Probe& probe) {
    std::size_t i = 0;
    try {
        Run r(sc);
        for (; i < sc.ops.size(); ++i) {
            r.step(sc.ops[i]);
            if (probe) probe(i, r.supervisor(), r.host());
        }
        r.finish();
    } catch (const Failure& f) {
        return Violation{i, f.what};
    } catch (const std::exception& e) {
        return Violation{i, std::string("exception: ") + e.what()};
    }
    return std::nullopt;
}

Scenario shrink(const Scenario& failing) {
    Scenario best = failing;
    auto fails = [](const Scenario& s) { return run(s).has_value(); };
    // Cut everything after the failing step first.
    if (auto v = run(best); v && v->step < best.ops.size()) best.ops.resize(v->step + 1);
    // Delta debugging over the operations, then over the services.
    for (std::size_t chunk = std::max<std::size_t>(1, best.ops.size() / 2);; chunk /= 2) {
        for (std::size_t i = 0; i < best.ops.size();) {
            Scenario t = best;
            t.ops.erase(t.ops.begin() + static_cast<long>(i),
                        t.ops.begin() + static_cast<long>(std::min(i + chunk, t.ops.size())));
            if (fails(t))
                best = std::move(t);
            else
                i += chunk;
        }
        if (chunk == 1) break;
    }
    for (std::size_t i = 0; i < best.services.size();) {
        Scenario t = best;
        t.services.erase(t.services.begin() + static_cast<long>(i));
        if (fails(t))
            best = std::move(t);
        else
            ++i;
    }
    return best;
}

}  // namespace sup::sim
