// An sdbus::IObject that forwards everything to another one, except that it serves named methods of
// one interface with hand-written callbacks instead of the ones a generated adaptor registers.
//
// Why: sdbus-c++ 1.2 makes every sdbus::Variant its own sd_bus_message, so a typed ListProcesses with
// 1000 instances builds 19,000 messages (about a second under load). The hand-written callbacks
// serialize the same a{sv} dictionaries (or rows) straight into the reply. The generated adaptor stays the
// single source of the interface's shape (names, signatures, flags); only the body is replaced.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/IObject.h>

namespace sup::bus {

class MethodOverride final : public sdbus::IObject {
  public:
    MethodOverride(sdbus::IObject& target, std::string interfaceName,
                   std::map<std::string, sdbus::method_callback> replacements);

    // Whether the adaptor registered every replaced method (so the replacements are what serve them).
    bool applied() const { return outputSignatures_.size() == replacements_.size(); }
    // The output signature the adaptor registered for a replaced method ("" if it did not).
    std::string outputSignatureOf(const std::string& methodName) const;

    void registerMethod(const std::string& interfaceName, std::string methodName, std::string inputSignature,
                        std::string outputSignature, sdbus::method_callback methodCallback,
                        sdbus::Flags flags = {}) override;
    void registerMethod(const std::string& interfaceName, std::string methodName, std::string inputSignature,
                        const std::vector<std::string>& inputNames, std::string outputSignature,
                        const std::vector<std::string>& outputNames, sdbus::method_callback methodCallback,
                        sdbus::Flags flags = {}) override;
    void registerSignal(const std::string& interfaceName, std::string signalName, std::string signature,
                        sdbus::Flags flags = {}) override;
    void registerSignal(const std::string& interfaceName, std::string signalName, std::string signature,
                        const std::vector<std::string>& paramNames, sdbus::Flags flags = {}) override;
    void registerProperty(const std::string& interfaceName, std::string propertyName, std::string signature,
                          sdbus::property_get_callback getCallback, sdbus::Flags flags = {}) override;
    void registerProperty(const std::string& interfaceName, std::string propertyName, std::string signature,
                          sdbus::property_get_callback getCallback, sdbus::property_set_callback setCallback,
                          sdbus::Flags flags = {}) override;
    void setInterfaceFlags(const std::string& interfaceName, sdbus::Flags flags) override;
    void finishRegistration() override;
    void unregister() override;
    sdbus::Signal createSignal(const std::string& interfaceName, const std::string& signalName) override;
    void emitSignal(const sdbus::Signal& message) override;
    void emitPropertiesChangedSignal(const std::string& interfaceName,
                                     const std::vector<std::string>& propNames) override;
    void emitPropertiesChangedSignal(const std::string& interfaceName) override;
    void emitInterfacesAddedSignal() override;
    void emitInterfacesAddedSignal(const std::vector<std::string>& interfaces) override;
    void emitInterfacesRemovedSignal() override;
    void emitInterfacesRemovedSignal(const std::vector<std::string>& interfaces) override;
    void addObjectManager() override;
    void removeObjectManager() override;
    bool hasObjectManager() const override;
    sdbus::IConnection& getConnection() const override;
    const std::string& getObjectPath() const override;
    const sdbus::Message* getCurrentlyProcessedMessage() const override;

  private:
    // Swaps in the replacement when the method is one of ours, and notes its output signature.
    void replace(const std::string& interfaceName, const std::string& methodName,
                 const std::string& outputSignature, sdbus::method_callback& callback);

    sdbus::IObject& target_;
    const std::string interface_;
    const std::map<std::string, sdbus::method_callback> replacements_;
    std::map<std::string, std::string> outputSignatures_;  // of the replaced methods registered so far
};

}  // namespace sup::bus
