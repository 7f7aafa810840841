#include "bus/Subscribers.h"

#include <system_error>

namespace sup::bus {

Subscribers::Subscribers(sd_bus* bus) {
    sd_bus_track* track = nullptr;
    // No handler: an emptied track needs no action, any() reads its size when a signal is due.
    const int rc = ::sd_bus_track_new(bus, &track, nullptr, nullptr);
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "sd_bus_track_new");
    track_.reset(track);
}

bool Subscribers::add(sd_bus_message* call) {
    // Not recursive: a second Subscribe from the same client adds nothing (and says so), like systemd.
    const int rc = ::sd_bus_track_add_sender(track_.get(), call);
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "sd_bus_track_add_sender");
    return rc > 0;
}

bool Subscribers::remove(sd_bus_message* call) {
    const int rc = ::sd_bus_track_remove_sender(track_.get(), call);
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "sd_bus_track_remove_sender");
    return rc > 0;
}

std::size_t Subscribers::size() const {
    return ::sd_bus_track_count(track_.get());
}

}  // namespace sup::bus
