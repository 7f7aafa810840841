// One process instance on the bus: /io/supervisord/process/<escaped name>, io.supervisord.Process1.
// Property getters read the live Control snapshot; update() emits PropertiesChanged for what moved.
#pragma once

#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/Authorizer.h"
#include "bus/BusText.h"
#include "io.supervisord-adaptor.h"
#include "supervisor/Control.h"

namespace sup::bus {

class ProcessObject final
    : public sdbus::AdaptorInterfaces<io::supervisord::Process1_adaptor, sdbus::Properties_adaptor,
                                      sdbus::ManagedObject_adaptor> {
  public:
    ProcessObject(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                  const ProcessInfo& initial);
    ~ProcessObject();
    ProcessObject(const ProcessObject&) = delete;
    ProcessObject& operator=(const ProcessObject&) = delete;

    const std::string& name() const { return name_; }

    // Emits PropertiesChanged for the properties whose values differ from the last snapshot.
    void update(const ProcessInfo& info);
    // ObjectManager signals; announce after construction, retract before destruction.
    void announce() { emitInterfacesAddedSignal(); }
    void retract() { emitInterfacesRemovedSignal(); }

    // The property names (of Process1) whose values differ between two snapshots.
    static std::vector<std::string> changedProperties(const ProcessInfo& before, const ProcessInfo& after);

  private:
    ProcessInfo current() const;
    ServiceSpec definition() const;

    // Process1 methods
    void Start() override;
    void Stop() override;
    void Restart() override;
    void Signal(const std::string& signal) override;
    // Process1 properties
    std::string Name() override { return busText(name_); }
    std::string Group() override { return busText(group_); }
    std::string State() override;
    uint32_t Pid() override;
    uint32_t Restarts() override;
    int32_t ExitStatus() override;
    std::string LastExit() override;
    std::string SpawnError() override;
    std::string Reason() override;
    int64_t StartedAt() override;
    int64_t StateSince() override;
    int64_t NextStart() override;
    uint64_t CpuUsec() override;
    int64_t MaxRssKiB() override;
    std::string Command() override;
    std::string SourceFile() override;
    int32_t SourceLine() override;
    int32_t Priority() override;
    std::vector<std::string> Requires() override;
    std::vector<std::string> Wants() override;
    std::vector<std::string> After() override;
    std::vector<std::string> RequiredBy() override;
    std::string ReadyState() override;
    std::string NotifyStatus() override;
    // Process1 properties of the definition (Control::definition, read on each Get)
    std::vector<std::string> ExecStart() override;
    std::string WorkingDirectory() override;
    std::string User() override;
    std::string UnixGroup() override;
    std::string UMask() override;
    std::vector<std::string> Environment() override;
    std::string EnvironmentFile() override;
    uint32_t NumProcs() override;
    bool Autostart() override;
    std::string RestartPolicy() override;
    std::vector<int32_t> SuccessExitStatus() override;
    uint64_t StartSecUSec() override;
    uint32_t StartRetries() override;
    uint64_t BackoffInitialUSec() override;
    uint64_t BackoffMaxUSec() override;
    uint64_t BackoffResetUSec() override;
    std::string StopSignal() override;
    uint64_t StopTimeoutUSec() override;
    bool KillGroup() override;
    std::string StandardOutput() override;
    uint64_t StandardOutputMaxSize() override;
    uint32_t StandardOutputBackups() override;
    std::string StandardError() override;
    uint64_t StandardErrorMaxSize() override;
    uint32_t StandardErrorBackups() override;
    bool Timestamps() override;

    Control& control_;
    const Authorizer& authorizer_;
    const std::string name_;
    const std::string group_;
    ProcessInfo last_;  // what the last PropertiesChanged (or the registration) published
};

}  // namespace sup::bus
