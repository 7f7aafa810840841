#include "bus/ProcessObject.h"

#include "bus/Arguments.h"
#include "bus/BusErrors.h"
#include "bus/BusNames.h"
#include "bus/BusText.h"
#include "bus/DefinitionValues.h"

namespace sup::bus {

namespace {
constexpr const char* kInterface = io::supervisord::Process1_adaptor::INTERFACE_NAME;
}

ProcessObject::ProcessObject(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                             const ProcessInfo& initial)
    : AdaptorInterfaces(connection, processObjectPath(initial.name)),
      control_(control),
      authorizer_(authorizer),
      name_(initial.name),
      group_(initial.group),
      last_(initial) {
    registerAdaptor();
}

ProcessObject::~ProcessObject() {
    unregisterAdaptor();
}

std::vector<std::string> ProcessObject::changedProperties(const ProcessInfo& a, const ProcessInfo& b) {
    std::vector<std::string> out;
    auto check = [&](bool differs, const char* property) {
        if (differs) out.emplace_back(property);
    };
    check(a.state != b.state, "State");
    check(a.pid != b.pid, "Pid");
    check(a.restarts != b.restarts, "Restarts");
    check(a.exitStatus != b.exitStatus, "ExitStatus");
    check(a.lastExit != b.lastExit, "LastExit");
    check(a.spawnError != b.spawnError, "SpawnError");
    check(a.reason != b.reason, "Reason");
    check(a.startedAtUsec != b.startedAtUsec, "StartedAt");
    check(a.stateSinceUsec != b.stateSinceUsec, "StateSince");
    check(a.nextStartUsec != b.nextStartUsec, "NextStart");
    check(a.cpuUsec != b.cpuUsec, "CpuUsec");
    check(a.maxRssKiB != b.maxRssKiB, "MaxRssKiB");
    check(a.command != b.command, "Command");
    check(a.sourceFile != b.sourceFile, "SourceFile");
    check(a.sourceLine != b.sourceLine, "SourceLine");
    check(a.priority != b.priority, "Priority");
    // Requires, Wants, After, RequiredBy and NotifyStatus are documented as not signalled.
    check(a.readyState != b.readyState, "ReadyState");
    return out;
}

void ProcessObject::update(const ProcessInfo& info) {
    auto changed = changedProperties(last_, info);
    last_ = info;
    if (!changed.empty()) emitPropertiesChangedSignal(kInterface, changed);
}

ProcessInfo ProcessObject::current() const {
    return guarded([&] { return control_.get(name_); });
}

ServiceSpec ProcessObject::definition() const {
    return guarded([&] { return control_.definition(name_); });
}

void ProcessObject::Start() {
    guarded([&] {
        authorizer_.require(getObject(), control_.settings().controlGroups, "start " + name_);
        control_.start(name_);
    });
}

void ProcessObject::Stop() {
    guarded([&] {
        authorizer_.require(getObject(), control_.settings().controlGroups, "stop " + name_);
        control_.stop(name_);
    });
}

void ProcessObject::Restart() {
    guarded([&] {
        authorizer_.require(getObject(), control_.settings().controlGroups, "restart " + name_);
        control_.restart(name_);
    });
}

void ProcessObject::Signal(const std::string& signal) {
    guarded([&] {
        const int sig = signalArgument(signal);
        authorizer_.require(getObject(), control_.settings().controlGroups, "signal " + name_);
        control_.signal(name_, sig);
    });
}

std::string ProcessObject::State() {
    return std::string(toString(current().state));
}
uint32_t ProcessObject::Pid() {
    auto pid = current().pid;
    return static_cast<uint32_t>(pid > 0 ? pid : 0);
}
uint32_t ProcessObject::Restarts() {
    return current().restarts;
}
int32_t ProcessObject::ExitStatus() {
    return current().exitStatus;
}
std::string ProcessObject::LastExit() {
    return busText(current().lastExit);
}
std::string ProcessObject::SpawnError() {
    return busText(current().spawnError);
}
std::string ProcessObject::Reason() {
    return busText(current().reason);
}
int64_t ProcessObject::StartedAt() {
    return current().startedAtUsec;
}
int64_t ProcessObject::StateSince() {
    return current().stateSinceUsec;
}
int64_t ProcessObject::NextStart() {
    return current().nextStartUsec;
}
uint64_t ProcessObject::CpuUsec() {
    return current().cpuUsec;
}
int64_t ProcessObject::MaxRssKiB() {
    return current().maxRssKiB;
}
std::string ProcessObject::Command() {
    return busText(current().command);
}
std::string ProcessObject::SourceFile() {
    return busText(current().sourceFile);
}
int32_t ProcessObject::SourceLine() {
    return current().sourceLine;
}
int32_t ProcessObject::Priority() {
    return current().priority;
}
std::vector<std::string> ProcessObject::Requires() {
    return busText(current().required);
}
std::vector<std::string> ProcessObject::Wants() {
    return busText(current().wanted);
}
std::vector<std::string> ProcessObject::After() {
    return busText(current().after);
}
std::vector<std::string> ProcessObject::RequiredBy() {
    return busText(current().requiredBy);
}
std::string ProcessObject::ReadyState() {
    return busText(current().readyState);
}
std::string ProcessObject::NotifyStatus() {
    return busText(current().notifyStatus);
}

std::vector<std::string> ProcessObject::ExecStart() {
    return busText(definition().command);
}
std::string ProcessObject::WorkingDirectory() {
    auto dir = definition().directory;
    return dir.empty() ? "/" : busText(dir);
}
std::string ProcessObject::User() {
    return busText(definition().user.value_or(""));
}
std::string ProcessObject::UnixGroup() {
    return busText(definition().group.value_or(""));
}
std::string ProcessObject::UMask() {
    return umaskText(definition().umask);
}
std::vector<std::string> ProcessObject::Environment() {
    return busText(environmentList(definition().environment));
}
std::string ProcessObject::EnvironmentFile() {
    return busText(definition().environmentFile);
}
uint32_t ProcessObject::NumProcs() {
    return definition().numprocs;
}
bool ProcessObject::Autostart() {
    return definition().autostart;
}
std::string ProcessObject::RestartPolicy() {
    return toString(definition().restart);
}
std::vector<int32_t> ProcessObject::SuccessExitStatus() {
    auto codes = definition().successExitCodes;
    return std::vector<int32_t>(codes.begin(), codes.end());
}
uint64_t ProcessObject::StartSecUSec() {
    return usecOf(definition().startSeconds);
}
uint32_t ProcessObject::StartRetries() {
    return definition().startRetries;
}
uint64_t ProcessObject::BackoffInitialUSec() {
    return usecOf(definition().backoff.initial);
}
uint64_t ProcessObject::BackoffMaxUSec() {
    return usecOf(definition().backoff.max);
}
uint64_t ProcessObject::BackoffResetUSec() {
    return usecOf(definition().backoff.resetAfter);
}
std::string ProcessObject::StopSignal() {
    return signalName(definition().stopSignal);
}
uint64_t ProcessObject::StopTimeoutUSec() {
    return usecOf(definition().stopTimeout);
}
bool ProcessObject::KillGroup() {
    return definition().killGroup;
}
std::string ProcessObject::StandardOutput() {
    return busText(logTargetText(definition().stdoutTarget));
}
uint64_t ProcessObject::StandardOutputMaxSize() {
    return definition().stdoutTarget.maxSize;
}
uint32_t ProcessObject::StandardOutputBackups() {
    return definition().stdoutTarget.backups;
}
std::string ProcessObject::StandardError() {
    return busText(logTargetText(definition().stderrTarget));
}
uint64_t ProcessObject::StandardErrorMaxSize() {
    return definition().stderrTarget.maxSize;
}
uint32_t ProcessObject::StandardErrorBackups() {
    return definition().stderrTarget.backups;
}
bool ProcessObject::Timestamps() {
    return definition().timestamps;
}

}  // namespace sup::bus
