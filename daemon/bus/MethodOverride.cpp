#include "bus/MethodOverride.h"

#include <sdbus-c++/Message.h>

namespace sup::bus {

MethodOverride::MethodOverride(sdbus::IObject& target, std::string interfaceName,
                               std::map<std::string, sdbus::method_callback> replacements)
    : target_(target), interface_(std::move(interfaceName)), replacements_(std::move(replacements)) {}

std::string MethodOverride::outputSignatureOf(const std::string& methodName) const {
    auto it = outputSignatures_.find(methodName);
    return it == outputSignatures_.end() ? std::string() : it->second;
}

void MethodOverride::replace(const std::string& interfaceName, const std::string& methodName,
                             const std::string& outputSignature, sdbus::method_callback& callback) {
    if (interfaceName != interface_) return;
    auto it = replacements_.find(methodName);
    if (it == replacements_.end()) return;
    callback = it->second;
    outputSignatures_[methodName] = outputSignature;
}

void MethodOverride::registerMethod(const std::string& interfaceName, std::string methodName,
                                    std::string inputSignature, std::string outputSignature,
                                    sdbus::method_callback methodCallback, sdbus::Flags flags) {
    replace(interfaceName, methodName, outputSignature, methodCallback);
    target_.registerMethod(interfaceName, std::move(methodName), std::move(inputSignature),
                           std::move(outputSignature), std::move(methodCallback), flags);
}

void MethodOverride::registerMethod(const std::string& interfaceName, std::string methodName,
                                    std::string inputSignature, const std::vector<std::string>& inputNames,
                                    std::string outputSignature, const std::vector<std::string>& outputNames,
                                    sdbus::method_callback methodCallback, sdbus::Flags flags) {
    replace(interfaceName, methodName, outputSignature, methodCallback);
    target_.registerMethod(interfaceName, std::move(methodName), std::move(inputSignature), inputNames,
                           std::move(outputSignature), outputNames, std::move(methodCallback), flags);
}

void MethodOverride::registerSignal(const std::string& interfaceName, std::string signalName,
                                    std::string signature, sdbus::Flags flags) {
    target_.registerSignal(interfaceName, std::move(signalName), std::move(signature), flags);
}

void MethodOverride::registerSignal(const std::string& interfaceName, std::string signalName,
                                    std::string signature, const std::vector<std::string>& paramNames,
                                    sdbus::Flags flags) {
    target_.registerSignal(interfaceName, std::move(signalName), std::move(signature), paramNames, flags);
}

void MethodOverride::registerProperty(const std::string& interfaceName, std::string propertyName,
                                      std::string signature, sdbus::property_get_callback getCallback,
                                      sdbus::Flags flags) {
    target_.registerProperty(interfaceName, std::move(propertyName), std::move(signature),
                             std::move(getCallback), flags);
}

void MethodOverride::registerProperty(const std::string& interfaceName, std::string propertyName,
                                      std::string signature, sdbus::property_get_callback getCallback,
                                      sdbus::property_set_callback setCallback, sdbus::Flags flags) {
    target_.registerProperty(interfaceName, std::move(propertyName), std::move(signature),
                             std::move(getCallback), std::move(setCallback), flags);
}

void MethodOverride::setInterfaceFlags(const std::string& interfaceName, sdbus::Flags flags) {
    target_.setInterfaceFlags(interfaceName, flags);
}

void MethodOverride::finishRegistration() {
    target_.finishRegistration();
}
void MethodOverride::unregister() {
    target_.unregister();
}

sdbus::Signal MethodOverride::createSignal(const std::string& interfaceName, const std::string& signalName) {
    return target_.createSignal(interfaceName, signalName);
}

void MethodOverride::emitSignal(const sdbus::Signal& message) {
    target_.emitSignal(message);
}

void MethodOverride::emitPropertiesChangedSignal(const std::string& interfaceName,
                                                 const std::vector<std::string>& propNames) {
    target_.emitPropertiesChangedSignal(interfaceName, propNames);
}

void MethodOverride::emitPropertiesChangedSignal(const std::string& interfaceName) {
    target_.emitPropertiesChangedSignal(interfaceName);
}

void MethodOverride::emitInterfacesAddedSignal() {
    target_.emitInterfacesAddedSignal();
}
void MethodOverride::emitInterfacesAddedSignal(const std::vector<std::string>& interfaces) {
    target_.emitInterfacesAddedSignal(interfaces);
}
void MethodOverride::emitInterfacesRemovedSignal() {
    target_.emitInterfacesRemovedSignal();
}
void MethodOverride::emitInterfacesRemovedSignal(const std::vector<std::string>& interfaces) {
    target_.emitInterfacesRemovedSignal(interfaces);
}

void MethodOverride::addObjectManager() {
    target_.addObjectManager();
}
void MethodOverride::removeObjectManager() {
    target_.removeObjectManager();
}
bool MethodOverride::hasObjectManager() const {
    return target_.hasObjectManager();
}
sdbus::IConnection& MethodOverride::getConnection() const {
    return target_.getConnection();
}
const std::string& MethodOverride::getObjectPath() const {
    return target_.getObjectPath();
}
const sdbus::Message* MethodOverride::getCurrentlyProcessedMessage() const {
    return target_.getCurrentlyProcessedMessage();
}

}  // namespace sup::bus
