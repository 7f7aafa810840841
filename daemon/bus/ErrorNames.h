// The names of io.supervisord's D-Bus errors (documented in io.supervisord.xml). Header-only and free
// of dependencies, so supctl matches replies against the very strings the daemon sends.
#pragma once

namespace sup::bus::errors {
inline constexpr const char* kNoSuchProcess = "io.supervisord.Error.NoSuchProcess";
inline constexpr const char* kAlreadyRunning = "io.supervisord.Error.AlreadyRunning";
inline constexpr const char* kNotRunning = "io.supervisord.Error.NotRunning";
inline constexpr const char* kInvalidConfig = "io.supervisord.Error.InvalidConfig";
inline constexpr const char* kInvalidArgument = "io.supervisord.Error.InvalidArgument";
inline constexpr const char* kFailed = "io.supervisord.Error.Failed";
inline constexpr const char* kAlreadySubscribed = "io.supervisord.Error.AlreadySubscribed";
inline constexpr const char* kNotSubscribed = "io.supervisord.Error.NotSubscribed";
inline constexpr const char* kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr const char* kLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded";
}  // namespace sup::bus::errors
