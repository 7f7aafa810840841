// The sd_notify datagram parser on arbitrary bytes: STATUS= comes out valid UTF-8 of at most 1 KiB,
// durations within [0, kMaxDuration], numbers within their documented ranges.
#include "FuzzInput.h"
#include "Utf8.h"
#include "core/NotifyMessage.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto message = sup::parseNotifyMessage(sup::fuzz::asText(data, size));
    if (message.status && (message.status->size() > 1024 || !sup::utf8::isValid(*message.status)))
        sup::fuzz::fail();
    for (const auto& d : {message.watchdogTimeout, message.extendTimeout})
        if (d && (d->count() < 0 || *d > sup::kMaxDuration)) sup::fuzz::fail();
    if (message.watchdogTimeout && message.watchdogTimeout->count() == 0) sup::fuzz::fail();
    if (message.errnoValue && (*message.errnoValue < 1 || *message.errnoValue > 4095)) sup::fuzz::fail();
    if (message.mainPid && *message.mainPid <= 1) sup::fuzz::fail();
    return 0;
}
