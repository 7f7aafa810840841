// Durations and timestamps for people: "2h 5min", "3d 4h", "250ms", "2024-05-06 10:11:12 UTC".
#pragma once

#include <cstdint>
#include <string>

namespace sup::ctl {

// The two most significant units, systemd style: "45s", "3min 2s", "2h 5min", "3d 4h", "250ms".
// Negative durations are shown as "0s".
std::string formatDuration(std::int64_t usec);

// Every unit, exactly, as systemctl show prints a timespan: "10s", "1min 30s", "1s 500ms", "0";
// "infinity" for the configuration's largest duration (sup::kMaxDuration) and beyond.
std::string formatTimespan(std::uint64_t usec);

// A CLOCK_REALTIME µs timestamp in local time ("" for 0), like systemctl show prints them.
std::string formatTimestamp(std::int64_t usec);

}  // namespace sup::ctl
