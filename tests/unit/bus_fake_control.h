// A hand-written Control for the D-Bus tests: processes are plain ProcessInfo records, every request
// is recorded as text ("stop web@0", "signal web@0 1"), and tests drive the observer callbacks.
#pragma once

#include <fnmatch.h>

#include <algorithm>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include "supervisor/Control.h"

namespace sup::bus::test {

class FakeControl final : public Control {
  public:
    std::vector<ProcessInfo> processes;  // list() order
    std::vector<std::string> calls;
    DaemonSettings settingsValue;
    ReloadResult reloadResult;
    DaemonState state = DaemonState::Running;
    std::string tailText = "one\ntwo\nthree\n";
    std::vector<DoctorFinding> findings;
    LimitsReport limitsReport;
    std::exception_ptr failStart;   // thrown by start() when set
    ServiceSpec specValue;          // definition() of every instance (name and source from the instance)
    mutable unsigned getCalls = 0;  // get() calls (snapshots copied)
    mutable unsigned definitionCalls = 0;  // definition() calls

    ProcessInfo& add(const std::string& name, const std::string& group, ProcessState s, pid_t pid = 0) {
        ProcessInfo info;
        info.name = name;
        info.group = group;
        info.state = s;
        info.pid = pid;
        info.command = "/bin/" + group;
        info.argv = {info.command};
        info.sourceFile = "/etc/supervisord/" + group + ".yaml";
        info.sourceLine = 3;
        processes.push_back(info);
        return processes.back();
    }

    // Changes an instance and tells the observers, as the Supervisor does after every transition.
    void transition(const std::string& name, ProcessState to, pid_t pid, const std::string& reason) {
        ProcessInfo& info = find(name);
        ProcessState from = info.state;
        info.state = to;
        info.pid = pid;
        info.reason = reason;
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onStateChanged(info, from, reason);
    }
    // A notify message that moves values without a transition, as the Supervisor reports it.
    void notifyValues(const std::string& name, const std::string& status, const std::string& readyState) {
        ProcessInfo& info = find(name);
        info.notifyStatus = status;
        info.readyState = readyState;
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onProcessChanged(info);
    }
    void announceAdded(const std::vector<std::string>& names) {
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onProcessesAdded(names);
    }
    void remove(const std::string& name) {
        std::erase_if(processes, [&](const ProcessInfo& p) { return p.name == name; });
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onProcessesRemoved({name});
    }
    void output(const std::string& name, OutputStream s, std::string_view data) {
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onOutput(name, s, data);
    }
    void setDaemonState(DaemonState s) {
        state = s;
        for (auto* o : std::vector<ControlObserver*>(observers)) o->onDaemonStateChanged(s);
    }

    // Control
    void forEachProcess(const std::function<void(const ProcessInfo&)>& visit) const override {
        for (const auto& info : processes) visit(info);
    }
    ProcessInfo get(const std::string& name) const override {
        ++getCalls;
        return const_cast<FakeControl*>(this)->find(name);
    }
    ServiceSpec definition(const std::string& name) const override {
        ++definitionCalls;
        const ProcessInfo& info = const_cast<FakeControl*>(this)->find(name);
        ServiceSpec spec = specValue;
        spec.name = info.group;
        spec.where.file = info.sourceFile;
        spec.where.line = info.sourceLine;
        return spec;
    }
    std::vector<std::string> match(const std::vector<std::string>& patterns) const override {
        std::vector<std::string> out;
        for (const auto& pattern : patterns) {
            bool any = false;
            for (const auto& p : processes) {
                if (pattern != "all" && ::fnmatch(pattern.c_str(), p.name.c_str(), 0) != 0 &&
                    ::fnmatch(pattern.c_str(), p.group.c_str(), 0) != 0)
                    continue;
                any = true;
                if (std::find(out.begin(), out.end(), p.name) == out.end()) out.push_back(p.name);
            }
            if (!any)
                throw ControlError(ControlError::Kind::NoSuchProcess, "no process matches '" + pattern + "'");
        }
        return out;
    }
    void start(const std::string& name) override {
        if (failStart) std::rethrow_exception(failStart);
        ProcessInfo& info = find(name);
        if (info.state == ProcessState::Running || info.state == ProcessState::Starting)
            throw ControlError(ControlError::Kind::AlreadyRunning, name + " is already running");
        calls.push_back("start " + name);
    }
    void stop(const std::string& name) override {
        ProcessInfo& info = find(name);
        calls.push_back("stop " + name);
        if (isActive(info.state)) info.state = ProcessState::Stopping;
    }
    void restart(const std::string& name) override {
        (void)find(name);
        calls.push_back("restart " + name);
    }
    void signal(const std::string& name, int sig) override {
        ProcessInfo& info = find(name);
        if (info.pid <= 0)
            throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
        calls.push_back("signal " + name + " " + std::to_string(sig));
    }
    ReloadResult reload() override {
        calls.push_back("reload");
        return reloadResult;
    }
    void shutdown() override { calls.push_back("shutdown"); }
    std::string tail(const std::string& name, OutputStream, unsigned) const override {
        (void)get(name);
        return tailText;
    }
    std::vector<DoctorFinding> doctor(const std::string& name) const override {
        if (get(name).pid <= 0)
            throw ControlError(ControlError::Kind::NotRunning, name + " has no running process");
        return findings;
    }
    DaemonState daemonState() const override { return state; }
    LimitsReport limits() const override { return limitsReport; }
    const DaemonSettings& settings() const override { return settingsValue; }
    std::string version() const override { return "1.2.3"; }
    void addObserver(ControlObserver* o) override { observers.push_back(o); }
    void removeObserver(ControlObserver* o) override { std::erase(observers, o); }

    std::vector<ControlObserver*> observers;

  private:
    ProcessInfo& find(const std::string& name) {
        for (auto& p : processes)
            if (p.name == name) return p;
        throw ControlError(ControlError::Kind::NoSuchProcess, "no process named '" + name + "'");
    }
};

}  // namespace sup::bus::test
