// The manager object /io/supervisord: io.supervisord.Manager1 plus the standard ObjectManager under
// which every process object (ProcessObjects) appears. Methods translate to Control calls, guarded
// and authorized.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/Authorizer.h"
#include "bus/BusText.h"
#include "bus/MethodOverride.h"
#include "bus/OutputFollowers.h"
#include "bus/ProcessTally.h"
#include "bus/Subscribers.h"
#include "io.supervisord-adaptor.h"
#include "supervisor/Control.h"

namespace sup::bus {

namespace detail {
// The first base of ManagerObject, so the object and the ListProcesses/ListProcessRows overrides exist
// before the generated adaptor registers its members through them.
struct ManagerObjectCore {
    ManagerObjectCore(sdbus::IConnection& connection, sdbus::method_callback listProcesses,
                      sdbus::method_callback listProcessRows);
    std::unique_ptr<sdbus::IObject> object;
    MethodOverride registrar;
};
}  // namespace detail

class ManagerObject final : private detail::ManagerObjectCore,
                            public io::supervisord::Manager1_adaptor,
                            public sdbus::Properties_adaptor,
                            public sdbus::ObjectManager_adaptor {
  public:
    static constexpr const char* kInterface = io::supervisord::Manager1_adaptor::INTERFACE_NAME;

    ManagerObject(sdbus::IConnection& connection, Control& control, const Authorizer& authorizer,
                  const ProcessTally& tally, OutputFollowers& followers, Subscribers& subscribers,
                  std::string configPath);
    ~ManagerObject();
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

    // Signals, sent only while a client is subscribed (Subscribers.h).
    void propertiesChanged(const std::vector<std::string>& properties) {
        if (subscribers_.any()) emitPropertiesChangedSignal(kInterface, properties);
    }
    // Its strings are built only when it is sent.
    void processStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string& reason) {
        if (!subscribers_.any()) return;
        emitProcessStateChanged(busText(info.name), std::string(toString(oldState)),
                                std::string(toString(info.state)),
                                static_cast<std::uint32_t>(info.pid > 0 ? info.pid : 0), busText(reason));
    }

  private:
    const sdbus::IObject& getObject() const { return *object; }
    // Control level: root or control_groups (AccessDenied otherwise).
    void authorize(const std::string& action);
    // Read level (output, doctor): root, control_groups or read_groups.
    void authorizeRead(const std::string& action);
    // ListProcesses and ListProcessRows as served: the reply is serialized directly (see
    // MethodOverride.h).
    void listProcesses(sdbus::MethodCall call);
    void listProcessRows(sdbus::MethodCall call);
    std::vector<std::string> matchNonEmpty(const std::vector<std::string>& patterns);

    std::vector<std::map<std::string, sdbus::Variant>> ListProcesses() override;
    std::vector<
        sdbus::Struct<std::string, std::string, std::string, uint32_t, uint32_t, int32_t, std::string,
                      std::string, std::string, int64_t, int64_t, int64_t, uint64_t, int64_t, std::string,
                      std::vector<std::string>, std::string, int32_t, int32_t, std::vector<std::string>,
                      std::vector<std::string>, std::vector<std::string>, std::vector<std::string>,
                      std::string, std::string, sdbus::ObjectPath, std::map<std::string, sdbus::Variant>>>
    ListProcessRows() override;
    std::map<std::string, sdbus::Variant> GetProcess(const std::string& name) override;
    std::vector<std::string> Match(const std::vector<std::string>& patterns) override;
    std::vector<std::string> Start(const std::vector<std::string>& patterns) override;
    std::vector<std::string> Stop(const std::vector<std::string>& patterns) override;
    std::vector<std::string> Restart(const std::vector<std::string>& patterns) override;
    std::vector<std::string> Signal(const std::vector<std::string>& patterns,
                                    const std::string& signal) override;
    std::tuple<std::vector<std::string>, std::vector<std::string>, std::vector<std::string>> Reload()
        override;
    void Shutdown() override;
    void Subscribe() override;
    void Unsubscribe() override;
    std::vector<uint8_t> Tail(const std::string& name, const std::string& stream,
                              const uint32_t& lines) override;
    sdbus::UnixFd Follow(const std::string& name, const std::string& stream, const uint32_t& lines) override;
    std::tuple<
        uint32_t, std::string,
        std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double, uint64_t, std::string,
                                  std::string, std::vector<sdbus::Struct<std::string, uint64_t>>>>>
    GetLimits() override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> Doctor(
        const std::vector<std::string>& names) override;

    std::string Version() override;
    std::string State() override;
    std::string ConfigPath() override { return busText(configPath_); }
    std::string ForkPressure() override;
    uint32_t ProcessCount() override;
    std::map<std::string, uint32_t> StateCounts() override;

    Control& control_;
    const Authorizer& authorizer_;
    const ProcessTally& tally_;
    OutputFollowers& followers_;
    Subscribers& subscribers_;
    const std::string configPath_;
};

}  // namespace sup::bus
