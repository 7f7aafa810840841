#include "bus/BusService.h"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "Plural.h"
#include "bus/BusNames.h"
#include "bus/ManagerObject.h"
#include "bus/ProcessObjects.h"
#include "bus/RawBus.h"

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
      hookTarget_(std::make_shared<BusService*>(this)) {
    attach();  // the first connection must succeed: the daemon refuses to start without its bus
    try {
        loop_.add(reconnectTimer_.fd(), EPOLLIN, [this](std::uint32_t) { reconnect(); });
    } catch (...) {
        detach();
        throw;
    }
    loop_.addPrepareHook([target = hookTarget_]() { return *target != nullptr ? (*target)->prepare() : -1; });
    control_.addObserver(this);
    observing_ = true;
    spdlog::info("serving {} on the {} as {}", kManagerPath, busLabel(), kBusName);
}

BusService::~BusService() {
    // The last turn's changes (a shutdown's final STOPPED states and counts), which no next turn will send.
    if (!disconnected_ && manager_) {
        flushProcessProperties();
        flushManagerProperties();
    }
    reportFailedPublishes();
    *hookTarget_ = nullptr;
    if (observing_) control_.removeObserver(this);
    loop_.remove(reconnectTimer_.fd());
    detach();
}

void BusService::attach() {
    try {
        connection_ = connect(options_.userBus);
        // Rebuilt from the live list: what changed while the bus was away reached no object.
        tally_ = ProcessTally{};
        // Objects first, name last: a client that sees the name appear finds everything in place.
        subscribers_ = std::make_unique<Subscribers>(rawBusOf(*connection_));
        manager_ = std::make_unique<ManagerObject>(*connection_, control_, authorizer_, tally_, followers_,
                                                   *subscribers_, options_.configPath);
        processes_ = std::make_unique<ProcessObjects>(*connection_, control_, authorizer_, *subscribers_);
        control_.forEachProcess([this](const ProcessInfo& info) { addProcess(info, false); });
        ownName();
        auto poll = connection_->getEventLoopPollData();
        busFd_ = poll.fd;
        busEvents_ = static_cast<std::uint32_t>(poll.events);
        loop_.add(busFd_, busEvents_, [this](std::uint32_t) { drain(); });
    } catch (const sdbus::Error& e) {
        detach();
        throw std::runtime_error(std::string("D-Bus: ") + e.getName() + ": " + e.getMessage());
    } catch (...) {
        detach();
        throw;
    }
}

void BusService::detach() noexcept {
    // The fd leaves the loop before the connection closes it.
    if (busFd_ >= 0) loop_.remove(busFd_);
    busFd_ = -1;
    busEvents_ = 0;
    // Unregister every object before the connection goes (it flushes queued replies on close).
    processes_.reset();
    manager_.reset();
    subscribers_.reset();
    connection_.reset();
    movedManagerProperties_.clear();  // a new connection publishes the counts as they are then
}

void BusService::armReconnect() {
    try {
        reconnectTimer_.armAt(Clock::now() + reconnectDelay_);
    } catch (const std::exception& e) {
        // timerfd_settime cannot fail with a valid fd and time; if it did, the bus would stay away.
        spdlog::error("D-Bus: cannot schedule a reconnect: {}", e.what());
    }
}

void BusService::reconnect() {
    try {
        reconnectTimer_.drain();
    } catch (const std::exception&) {
    }
    if (!disconnected_) return;
    ++attempts_;
    try {
        attach();
    } catch (const std::exception& e) {
        // Expected while the bus restarts: each attempt only at debug, a new kind of failure at info.
        const std::string why = e.what();
        if (why != lastAttemptError_)
            spdlog::info("D-Bus: reconnecting to the {} failed (attempt {}): {}; retrying with backoff",
                         busLabel(), attempts_, why);
        else
            spdlog::debug("D-Bus: reconnecting to the {} failed (attempt {}): {}", busLabel(), attempts_,
                          why);
        lastAttemptError_ = why;
        reconnectDelay_ = std::min(reconnectDelay_ * 2, options_.reconnectMax);
        armReconnect();
        return;
    }
    disconnected_ = false;
    const auto away = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lostAt_);
    spdlog::info("D-Bus connection to the {} is back after {:.1f} s ({}); serving {} as {} again", busLabel(),
                 static_cast<double>(away.count()) / 1000.0, countOf(attempts_, "attempt"), kManagerPath,
                 kBusName);
    attempts_ = 0;
    lastAttemptError_.clear();
    if (options_.onConnectionChanged) options_.onConnectionChanged(true);
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
    processes_->add(info);
    tally_.set(info);
    if (announce) processes_->announce(info.name);
}

void BusService::managerPropertiesMoved(std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (std::find(movedManagerProperties_.begin(), movedManagerProperties_.end(), name) ==
            movedManagerProperties_.end())
            movedManagerProperties_.emplace_back(name);
}

void BusService::flushManagerProperties() {
    if (movedManagerProperties_.empty()) return;
    std::vector<std::string> changed;
    changed.swap(movedManagerProperties_);
    publish("the process counts", [&] { manager_->propertiesChanged(changed); });
}

void BusService::flushProcessProperties() {
    publish("the state of processes", [&] { processes_->flush(); });
}

int BusService::prepare() {
    if (disconnected_) {
        reportFailedPublishes();
        return -1;
    }
    flushProcessProperties();
    flushManagerProperties();
    reportFailedPublishes();
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
    if (disconnected_) return;
    spdlog::warn("lost the D-Bus connection to the {} ({}); the services keep running; reconnecting",
                 busLabel(), why);
    disconnected_ = true;
    // Called from drain() after sd-bus gave up, never from inside a method handler, so every object and
    // the connection can go now (the loop keeps the running fd handler alive until it returns).
    detach();
    lostAt_ = Clock::now();
    attempts_ = 0;
    lastAttemptError_.clear();
    reconnectDelay_ = std::max(options_.reconnectInitial, std::chrono::milliseconds(1));
    armReconnect();
    if (options_.onConnectionChanged) options_.onConnectionChanged(false);
}

template <typename Body>
void BusService::publish(const char* what, Body&& body) {
    if (disconnected_) return;
    try {
        body();
    } catch (const std::exception& e) {
        if (failedPublishes_++ == 0) spdlog::warn("D-Bus: could not publish {}: {}", what, e.what());
    }
}

void BusService::reportFailedPublishes() {
    if (failedPublishes_ > 1)
        spdlog::warn("D-Bus: {} more signals could not be published in the same turn of the loop",
                     failedPublishes_ - 1);
    failedPublishes_ = 0;
}

void BusService::onProcessChanged(const ProcessInfo& info) {
    // Coalesced with the turn's other changes into one PropertiesChanged per object (flush).
    publish("a process's values", [&] { processes_->update(info); });
}

void BusService::onStateChanged(const ProcessInfo& info, ProcessState oldState, const std::string& reason) {
    publish("a state change", [&] {
        if (!processes_->contains(info.name)) return;  // announced later by onProcessesAdded
        auto aggregates = tally_.set(info);
        processes_->update(info);
        if (aggregates.counts) managerPropertiesMoved({"StateCounts"});
        if (aggregates.forkPressure) managerPropertiesMoved({"ForkPressure"});
        manager_->processStateChanged(info, oldState, reason);
    });
}

void BusService::onProcessesAdded(const std::vector<std::string>& names) {
    publish("new processes", [&] {
        bool any = false;
        for (const auto& name : names) {
            if (processes_->contains(name)) continue;
            addProcess(control_.get(name), true);
            any = true;
        }
        if (any) managerPropertiesMoved({"ProcessCount", "StateCounts"});
    });
}

void BusService::onProcessesRemoved(const std::vector<std::string>& names) {
    // Followers do not need the bus: they see end of file even while it is away.
    if (disconnected_)
        for (const auto& name : names) followers_.finish(name);
    publish("removed processes", [&] {
        bool any = false;
        const std::string pressureBefore = tally_.forkPressure();
        for (const auto& name : names) {
            if (!processes_->contains(name)) continue;
            tally_.erase(name);
            followers_.finish(name);
            any = true;
            processes_->remove(name);  // InterfacesRemoved, then the path is gone
        }
        if (!any) return;
        managerPropertiesMoved({"ProcessCount", "StateCounts"});
        if (tally_.forkPressure() != pressureBefore) managerPropertiesMoved({"ForkPressure"});
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
