// A client subscribed to supervisord's signals (Manager1.Subscribe) for its lifetime, recording the
// manager's ObjectManager signals and ProcessStateChanged on its own connection and thread. The daemon
// sends its signals only while some client is subscribed, as systemd does.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace sup::test {

class SignalWatch {
  public:
    explicit SignalWatch(const std::string& address)
        : connection_(sdbus::createSessionBusConnectionWithAddress(address)),
          proxy_(sdbus::createProxy(*connection_, "io.supervisord", "/io/supervisord")) {
        proxy_->uponSignal("InterfacesAdded")
            .onInterface("org.freedesktop.DBus.ObjectManager")
            .call([this](const sdbus::ObjectPath& path,
                         const std::map<std::string, std::map<std::string, sdbus::Variant>>&) {
                record("added " + std::string(path));
            });
        proxy_->uponSignal("InterfacesRemoved")
            .onInterface("org.freedesktop.DBus.ObjectManager")
            .call([this](const sdbus::ObjectPath& path, const std::vector<std::string>&) {
                record("removed " + std::string(path));
            });
        proxy_->uponSignal("ProcessStateChanged")
            .onInterface("io.supervisord.Manager1")
            .call([this](const std::string& name, const std::string& oldState, const std::string& newState,
                         std::uint32_t,
                         const std::string&) { record("state " + name + " " + oldState + "->" + newState); });
        proxy_->finishRegistration();
        // The matches are in place before the subscription: nothing it brings is missed.
        proxy_->callMethod("Subscribe").onInterface("io.supervisord.Manager1");
        connection_->enterEventLoopAsync();
    }
    ~SignalWatch() { connection_->leaveEventLoop(); }
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    bool saw(const std::string& event) const {
        std::lock_guard lock(mu_);
        return seen_.count(event) > 0;
    }

  private:
    void record(std::string event) {
        std::lock_guard lock(mu_);
        seen_.insert(std::move(event));
    }
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    mutable std::mutex mu_;
    std::set<std::string> seen_;
};

}  // namespace sup::test
