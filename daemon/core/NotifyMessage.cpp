#include "core/NotifyMessage.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "Utf8.h"

namespace sup {

namespace {

// systemd keeps a longer STATUS=; a status line longer than this says nothing more to an operator.
constexpr std::size_t kStatusMaxBytes = 1024;
// The largest errno the kernel hands out (MAX_ERRNO); a larger number is no errno.
constexpr std::uint64_t kMaxErrno = 4095;

// Only decimal digits, all of them, in range: " 5", "+5", "5s" and "" are malformed.
std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Microseconds rounded up to whole milliseconds, at most kMaxDuration (systemd's "infinity", UINT64_MAX,
// lands there too), so the supervisor can add it to a time point without overflow checks.
Duration fromMicroseconds(std::uint64_t usec) {
    const std::uint64_t ms = usec / 1000 + (usec % 1000 != 0 ? 1 : 0);
    const auto max = static_cast<std::uint64_t>(kMaxDuration.count());
    return Duration(static_cast<Duration::rep>(ms < max ? ms : max));
}

// Valid UTF-8 of at most kStatusMaxBytes, cut at a character boundary.
std::string statusText(std::string_view value) {
    std::string text = utf8::repaired(value);
    if (text.size() <= kStatusMaxBytes) return text;
    std::size_t cut = kStatusMaxBytes;
    // Back up over continuation bytes (10xxxxxx) to the first byte of the character that does not fit.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    return text;
}

void apply(NotifyMessage& message, std::string_view key, std::string_view value) {
    if (key == "READY") {
        if (value == "1") message.ready = true;
    } else if (key == "RELOADING") {
        if (value == "1") message.reloading = true;
    } else if (key == "STOPPING") {
        if (value == "1") message.stopping = true;
    } else if (key == "WATCHDOG") {
        if (value == "1") message.watchdogPing = true;
        if (value == "trigger") message.watchdogTrigger = true;
    } else if (key == "BARRIER") {
        if (value == "1") message.barrier = true;
    } else if (key == "STATUS") {
        message.status = statusText(value);
    } else if (key == "ERRNO") {
        if (auto n = parseUnsigned(value); n && *n >= 1 && *n <= kMaxErrno)
            message.errnoValue = static_cast<int>(*n);
    } else if (key == "WATCHDOG_USEC") {
        if (auto n = parseUnsigned(value); n && *n > 0) message.watchdogTimeout = fromMicroseconds(*n);
    } else if (key == "EXTEND_TIMEOUT_USEC") {
        if (auto n = parseUnsigned(value)) message.extendTimeout = fromMicroseconds(*n);
    } else if (key == "MAINPID") {
        if (auto n = parseUnsigned(value);
            n && *n > 1 && *n <= static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()))
            message.mainPid = static_cast<pid_t>(*n);
    }
}

}  // namespace

NotifyMessage parseNotifyMessage(std::string_view datagram) {
    NotifyMessage message;
    // systemd drops a datagram with a NUL in it whole: no sd_notify client sends one.
    if (datagram.find('\0') != std::string_view::npos) return message;
    while (!datagram.empty()) {
        const std::size_t end = datagram.find('\n');
        const std::string_view line = datagram.substr(0, end);
        datagram.remove_prefix(end == std::string_view::npos ? datagram.size() : end + 1);
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        apply(message, line.substr(0, eq), line.substr(eq + 1));
    }
    return message;
}

}  // namespace sup
