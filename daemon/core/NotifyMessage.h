// One sd_notify datagram, parsed: newline-separated KEY=VALUE assignments (sd_notify(3)). Pure. The
// supervisor decides what each field does to the instance; unknown keys are ignored, as systemd does.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/Clock.h"

namespace sup {

struct NotifyMessage {
    bool ready = false;                       // READY=1
    bool reloading = false;                   // RELOADING=1
    bool stopping = false;                    // STOPPING=1
    bool watchdogPing = false;                // WATCHDOG=1
    bool watchdogTrigger = false;             // WATCHDOG=trigger: act as if the watchdog had expired
    bool barrier = false;                     // BARRIER=1 (the fd it carried was closed by the host)
    std::optional<std::string> status;        // STATUS=, valid UTF-8 (invalid bytes become U+FFFD), <= 1 KiB
    std::optional<int> errnoValue;            // ERRNO=, a positive errno
    std::optional<Duration> watchdogTimeout;  // WATCHDOG_USEC=, rounded up to ms; > 0
    std::optional<Duration> extendTimeout;    // EXTEND_TIMEOUT_USEC=, rounded up to ms
    std::optional<pid_t> mainPid;             // MAINPID=, > 1
};

// Never throws; a malformed assignment is skipped (systemd logs and ignores it too).
NotifyMessage parseNotifyMessage(std::string_view datagram);

}  // namespace sup
