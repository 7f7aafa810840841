#include "bus/BusService.h"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <stdexcept>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "bus/BusNames.h"
#include "bus/ManagerObject.h"
#include "bus/ProcessObject.h"

namespace sup::bus {

namespace {

// poll(2) and epoll(7) share these bit values, so sd-bus's poll events go to epoll unchanged.
static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT);

std::unique_ptr<sdbus::IConnection> connect(bool userBus) {
    try {
        return userBus ? sdbus::createSessionBusConnection() : sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw std::runtime_error(std::string("cannot connect to the ") + (userBus ? "session" : "system") +
                                 " bus: " + e.getMessage());
    }
}

}  // namespace

BusService::BusService(os::EventLoop& loop, Control& control, BusOptions options)
    : loop_(loop),
      control_(control),
      options_(std::move(options)),
      authorizer_(groups_, ::geteuid()),
      followers_(loop, [&control] { return control.settings().tailBytes; }),
      connection_(connect(options_.userBus)),
      hookTarget_(std::make_shared<BusService*>(this)) {
    // Objects first, name last: a client that sees the name appear finds everything in place.
    manager_ = std::make_unique<ManagerObject>(*connection_, control_, authorizer_, tally_, followers_,
                                               options_.configPath);
    for (const auto& info : control_.list()) addProcess(info, false);
    ownName();

    auto poll = connection_->getEventLoopPollData();
    busFd_ = poll.fd;
    busEvents_ = static_cast<std::uint32_t>(poll.events);
    loop_.add(busFd_, busEvents_, [this](std::uint32_t) { drain(); });
    loop_.addPrepareHook([target = hookTarget_]() { return *target != nullptr ? (*target)->prepare() : -1; });
    control_.addObserver(this);
    observing_ = true;
    spdlog::info("serving {} on the {} as {}", kManagerPath, busLabel(), kBusName);
}

BusService::~BusService() {
    *hookTarget_ = nullptr;
    if (observing_) control_.removeObserver(this);
    if (busFd_ >= 0) loop_.remove(busFd_);
    // Unregister every object before the connection goes (it flushes queued replies on close).
    retired_.clear();
    processes_.clear();
    manager_.reset();
    connection_.reset();
}

void BusService::ownName() {
    try {
        connection_->requestName(kBusName);
    } catch (const sdbus::Error& e) {
        // sdbus-c++ 1.2 requests without queueing: a name owned by another connection fails at once.
        const std::string& name = e.getName();
        if (name == "org.freedesktop.DBus.Error.FileExists" || name == "System.Error.EEXIST" ||
            name == "System.Error.EALREADY")
            throw std::runtime_error(std::string("another supervisord owns ") + kBusName + " on the " +
                                     busLabel());
        throw std::runtime_error(std::string("cannot own ") + kBusName + " on the " + busLabel() + ": " +
                                 e.getMessage() +
                                 (options_.userBus ? ""
                                                   : " (is the policy file io.supervisord.conf installed in "
                                                     "/usr/share/dbus-1/system.d?)"));
    }
}

void BusService::addProcess(const ProcessInfo& info, bool announce) {
    auto object = std::make_unique<ProcessObject>(*connection_, control_, authorizer_, info);
    if (announce) object->announce();
    processes_[info.name] = std::move(object);
    tally_.set(info);
}

void BusService::dropRetired(const std::string& name) {
    std::erase_if(retired_, [&](const auto& object) { return object->name() == name; });
}

int BusService::prepare() {
    retired_.clear();
    if (disconnected_) return -1;
    drain();
    if (disconnected_) return -1;
    try {
        // Re-queried every time: a method call made inside a handler (the caller's credentials) can read
        // everything off the socket into sd-bus's queue, and replies may wait for POLLOUT.
        auto poll = connection_->getEventLoopPollData();
        const auto events = static_cast<std::uint32_t>(poll.events);
        if (events != busEvents_) {
            loop_.modify(busFd_, events);
            busEvents_ = events;
        }
        return poll.getPollTimeout();
    } catch (const std::exception& e) {
        lostConnection(e.what());
        return -1;
    }
}

void BusService::drain() {
    if (disconnected_) return;
    try {
        while (connection_->processPendingRequest()) {
        }
    } catch (const sdbus::Error& e) {
        lostConnection(e.getName() + ": " + e.getMessage());
    } catch (const std::exception& e) {
        lostConnection(e.what());
    }
}

void BusService::lostConnection(const std::string& why) {
    spdlog::error("D-Bus connection to the {} lost: {}", busLabel(), why);
    disconnected_ = true;
    if (busFd_ >= 0) {
        loop_.remove(busFd_);
        busFd_ = -1;
    }
    loop_.stop();
}

template <typename Body>
void BusService::publish(const char* what, Body&& body) {
    if (disconnected_) return;
    try {
        body();
    } catch (const std::exception& e) {
        spdlog::warn("D-Bus: could not publish {}: {}", what, e.what());
    }
}

void BusService::onStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string& reason) {
    publish("a state change", [&] {
        auto it = processes_.find(info.name);
        if (it == processes_.end()) return;  // announced later by onProcessesAdded
        auto aggregates = tally_.set(info);
        it->second->update(info);
        std::vector<std::string> changed;
        if (aggregates.counts) changed.emplace_back("StateCounts");
        if (aggregates.forkPressure) changed.emplace_back("ForkPressure");
        if (!changed.empty()) manager_->propertiesChanged(changed);
        manager_->emitProcessStateChanged(info.name, std::string(toString(oldState)),
                                          std::string(toString(info.state)),
                                          static_cast<std::uint32_t>(info.pid > 0 ? info.pid : 0), reason);
    });
}

void BusService::onProcessesAdded(const std::vector<std::string>& names) {
    publish("new processes", [&] {
        bool any = false;
        for (const auto& name : names) {
            if (processes_.count(name) != 0) continue;
            dropRetired(name);  // removed and added back before the loop came round: free the path
            addProcess(control_.get(name), true);
            any = true;
        }
        if (any) manager_->propertiesChanged({"ProcessCount", "StateCounts"});
    });
}

void BusService::onProcessesRemoved(const std::vector<std::string>& names) {
    publish("removed processes", [&] {
        bool any = false;
        const std::string pressureBefore = tally_.forkPressure();
        for (const auto& name : names) {
            auto it = processes_.find(name);
            if (it == processes_.end()) continue;
            auto object = std::move(it->second);
            processes_.erase(it);
            tally_.erase(name);
            followers_.finish(name);
            any = true;
            retired_.push_back(std::move(object));
            retired_.back()->retract();
        }
        if (!any) return;
        std::vector<std::string> changed{"ProcessCount", "StateCounts"};
        if (tally_.forkPressure() != pressureBefore) changed.emplace_back("ForkPressure");
        manager_->propertiesChanged(changed);
    });
}

// Followers are served even after a disconnect: they no longer need the bus.
void BusService::onOutput(const std::string& name, OutputStream stream, std::string_view data) {
    if (followers_.size() == 0) return;
    try {
        followers_.deliver(name, stream, data);
    } catch (const std::exception& e) {
        spdlog::warn("following {}: {}", name, e.what());
    }
}

void BusService::onDaemonStateChanged(DaemonState) {
    publish("the daemon state", [&] { manager_->propertiesChanged({"State"}); });
}

}  // namespace sup::bus
