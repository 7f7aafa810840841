// Readers for the service settings that need more than one line of code; used by ServiceReader.cpp.
#pragma once

#include "ServiceSpec.h"
#include "YamlFields.h"

namespace sup::config {

// `command:` as a list (exec form) or a string split by splitCommandLine().
std::optional<std::vector<std::string>> readCommand(const ReadContext& ctx, const Field& f);

// `user:` and `group:` -> uid, gid, supplementary groups and home, looked up now (NSS).
void readIdentity(const ReadContext& ctx, const Field* user, const Field* group, ServiceSpec& spec);

// `environment_file:` first, then `environment:` over it.
void readEnvironment(const ReadContext& ctx, const Field* file, const Field* map, ServiceSpec& spec);

// `stdout:` / `stderr:`: "journal", "null", "memory", "daemon", "stdout" (stderr only) or {file, max_size,
// backups}.
std::optional<LogTarget> readLogTarget(const ReadContext& ctx, const Field& f, bool isStderr);

// `backoff: {initial, max, reset_after}`, checked initial <= max.
std::optional<BackoffSpec> readBackoff(const ReadContext& ctx, const Field& f);

// The longest `log_line` pattern accepted: std::regex matches recursively, so a pattern's size bounds
// the stack a match may take.
inline constexpr std::size_t kMaxLogLinePatternBytes = 1024;

// `ready:`: started, notify, or {tcp|http|exec|log_line: ..., interval, timeout, status}.
std::optional<ProbeSpec> readReady(const ReadContext& ctx, const Field& f);

// `health:`: {tcp|http|exec: ..., interval, timeout, failures, status}; log_line is refused.
std::optional<ProbeSpec> readHealth(const ReadContext& ctx, const Field& f);

// `requires:`, `wants:`, `after:`: a list of service ("db") or instance ("db@0") names, or one name;
// nothing (`requires:` alone) is an empty list.
// Only the form is checked here; that the names exist is checked once every file is read
// (DependencyGraph.h).
std::optional<std::vector<DependencyRef>> readDependencyList(const ReadContext& ctx, const Field& f);

// `umask:` always octal, like systemd's UMask= ("022", 022, "0o22").
std::optional<mode_t> readUmask(const ReadContext& ctx, const Field& f);

}  // namespace sup::config
