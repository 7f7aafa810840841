// start, stop, restart, signal: asking supervisord to change state, and waiting for the outcome.
//
// Waiting follows ProcessStateChanged signals, subscribed before the request so no transition can
// slip by, and re-reads the processes every half second in case a signal was missed. Signals that
// were already queued before the request are dropped: they describe the past.
#include <algorithm>
#include <deque>
#include <map>

#include <sdbus-c++/Error.h>

#include "ctl/Commands.h"
#include "ctl/DependencyTree.h"
#include "ctl/ExitCode.h"
#include "ctl/FailureHint.h"
#include "ctl/TimeFormat.h"
#include "ctl/WaitTracker.h"

namespace sup::ctl {

namespace {

using Clock = BusClient::Clock;
constexpr auto kRecheckInterval = std::chrono::milliseconds(500);

enum class Action { Start, Stop, Restart };

WaitGoal goalOf(Action a) {
    switch (a) {
        case Action::Start:
            return WaitGoal::Running;
        case Action::Restart:
            return WaitGoal::Restarted;
        case Action::Stop:
            break;
    }
    return WaitGoal::Inactive;
}

const char* verbOf(Action a) {
    switch (a) {
        case Action::Start:
            return "start";
        case Action::Restart:
            return "restart";
        case Action::Stop:
            break;
    }
    return "stop";
}

std::vector<std::string> request(BusClient& bus, Action a, const std::vector<std::string>& patterns) {
    switch (a) {
        case Action::Start:
            return bus.start(patterns);
        case Action::Restart:
            return bus.restart(patterns);
        case Action::Stop:
            break;
    }
    return bus.stop(patterns);
}

// Asking for what already holds (start of a running process, stop of a stopped one) is success,
// as in systemctl.
bool alreadyThere(Action a, const sdbus::Error& e) {
    return (a == Action::Start && e.getName() == bus_errors::kAlreadyRunning) ||
           (a == Action::Stop && e.getName() == bus_errors::kNotRunning);
}

// The daemon stops what requires an instance before the instance itself (config/REFERENCE.md); say
// which, from the snapshot taken before the request. Match is asked only when something up is required
// by another instance, so a plain stop costs nothing more than this one ListProcesses.
std::vector<std::string> noteDependents(Context& c, const std::vector<ProcessRecord>& before) {
    const bool anyRequired = std::any_of(before.begin(), before.end(),
                                         [](const ProcessRecord& p) { return !p.requiredBy.empty(); });
    if (!anyRequired) return {};
    std::vector<std::string> asked;
    try {
        asked = c.bus().match(c.inv().args);
    } catch (const sdbus::Error&) {
        return {};  // the request itself succeeded; the note is only a courtesy
    }
    const DependencyGraph graph(before);
    c.note(stopNotice(graph, asked));
    return dependentsToStop(graph, asked);
}

class Waiter {
  public:
    Waiter(Context& c, Action action) : c_(c), action_(action) {}

    int run() {
        BusClient& bus = c_.bus();
        bus.subscribeStateChanges([this](const StateChange& s) { queue_.push_back(s); });
        std::map<std::string, std::uint32_t> pidBefore;
        std::vector<ProcessRecord> before;
        if (action_ != Action::Start) before = bus.listProcesses();
        for (const auto& p : before) pidBefore[p.name] = p.pid;
        bus.dispatchPending();
        queue_.clear();

        std::vector<std::string> names;
        try {
            names = request(bus, action_, c_.inv().args);
        } catch (const sdbus::Error& e) {
            if (!alreadyThere(action_, e)) throw;
            return kExitOk;
        }
        for (const auto& n : names) trackers_.emplace(n, WaitTracker(n, goalOf(action_), pidBefore[n]));
        // What the daemon stops first is waited for too, so its failure to stop is reported.
        if (action_ == Action::Stop)
            for (const auto& n : noteDependents(c_, before))
                trackers_.emplace(n, WaitTracker(n, WaitGoal::Inactive, pidBefore[n]));
        bus.dispatchPending();
        applySignals();
        recheck();

        const auto& timeout = c_.inv().global.timeout;
        const std::optional<Clock::time_point> deadline =
            timeout ? std::optional<Clock::time_point>(Clock::now() + *timeout) : std::nullopt;
        auto nextRecheck = Clock::now() + kRecheckInterval;
        while (pending() > 0) {
            const auto now = Clock::now();
            if (deadline && now >= *deadline) return reportTimeout();
            Clock::time_point wakeAt = nextRecheck;
            if (deadline && *deadline < wakeAt) wakeAt = *deadline;
            bus.waitAndDispatch(wakeAt);
            applySignals();
            if (Clock::now() >= nextRecheck) {
                recheck();
                nextRecheck = Clock::now() + kRecheckInterval;
            }
        }
        return reportFailures();
    }

  private:
    std::size_t pending() const {
        std::size_t n = 0;
        for (const auto& [name, t] : trackers_)
            if (!t.done()) ++n;
        return n;
    }

    void applySignals() {
        while (!queue_.empty()) {
            const StateChange s = std::move(queue_.front());
            queue_.pop_front();
            auto it = trackers_.find(s.name);
            if (it != trackers_.end()) it->second.observe(s.newState, s.pid, s.reason);
        }
    }

    // A fresh snapshot. Signals queued during the call are older than it, so they go first.
    void recheck() {
        if (pending() == 0) return;
        auto processes = c_.bus().listProcesses();
        c_.bus().dispatchPending();
        applySignals();
        for (const auto& p : processes) {
            auto it = trackers_.find(p.name);
            if (it != trackers_.end()) it->second.observe(p.state, p.pid, p.reason);
        }
    }

    int reportTimeout() {
        const auto& timeout = *c_.inv().global.timeout;
        for (const auto& [name, t] : trackers_) {
            if (t.done()) continue;
            c_.error("timed out after " + formatDuration(std::chrono::microseconds(timeout).count()) +
                     " waiting for " + name + " to be " + t.goalText() + " (it is " +
                     (t.lastState().empty() ? std::string("unknown") : t.lastState()) + ")");
        }
        reportFailures();
        return kExitFailure;
    }

    int reportFailures() {
        int rc = kExitOk;
        for (const auto& [name, t] : trackers_) {
            if (t.status() != WaitStatus::Failed) continue;
            rc = kExitFailure;
            // The signal carried the reason; the process record adds the spawn error and last exit.
            ProcessRecord p;
            try {
                p = c_.bus().getProcess(name);
            } catch (const sdbus::Error&) {
                p.name = name;
            }
            const std::string& reason = !t.lastReason().empty() ? t.lastReason() : p.reason;
            c_.error(name + " failed to " + verbOf(action_) + ": " + t.lastState() +
                     (reason.empty() ? "" : " (" + reason + ")"));
            if (p.name.empty()) p.name = name;
            c_.note(failureNotes(p, reason));
        }
        return rc;
    }

    Context& c_;
    Action action_;
    std::map<std::string, WaitTracker> trackers_;
    std::deque<StateChange> queue_;
};

int act(Context& c, Action action) {
    if (!c.inv().global.noBlock) return Waiter(c, action).run();
    std::vector<ProcessRecord> before;
    if (action == Action::Stop) before = c.bus().listProcesses();
    try {
        request(c.bus(), action, c.inv().args);
    } catch (const sdbus::Error& e) {
        if (!alreadyThere(action, e)) throw;
        return kExitOk;
    }
    if (action == Action::Stop) noteDependents(c, before);
    return kExitOk;
}

}  // namespace

int runStart(Context& c) {
    return act(c, Action::Start);
}
int runStop(Context& c) {
    return act(c, Action::Stop);
}
int runRestart(Context& c) {
    return act(c, Action::Restart);
}

int runSignal(Context& c) {
    c.bus().signal(c.inv().args, c.inv().signal);
    return kExitOk;
}

}  // namespace sup::ctl
