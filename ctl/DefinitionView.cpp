#include "ctl/DefinitionView.h"

#include "ctl/JsonOutput.h"

namespace sup::ctl {

namespace {

// JSON strings are YAML double-quoted scalars: every byte survives, nothing needs YAML escaping rules.
std::string quoted(const std::string& s) {
    return Json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A log target as `stdout:`/`stderr:` takes it: a word, or {file: PATH, max_size: SIZE, backups: N}.
std::string targetYaml(const std::string& target, std::uint64_t maxSize, std::uint32_t backups) {
    const std::string filePrefix = "file:";
    if (target.rfind(filePrefix, 0) != 0) return target.empty() ? "daemon" : target;
    return "{file: " + quoted(target.substr(filePrefix.size())) + ", max_size: " + configSize(maxSize) +
           ", backups: " + std::to_string(backups) + "}";
}

}  // namespace

std::string configDuration(std::uint64_t usec) {
    constexpr std::uint64_t kInfinityUsec = 36'500ULL * 86'400 * 1'000'000;  // sup::kMaxDuration
    if (usec >= kInfinityUsec) return "infinity";
    if (usec % 1'000'000 == 0) return std::to_string(usec / 1'000'000) + "s";
    return std::to_string(usec / 1000) + "ms";  // the configuration's precision is 1ms
}

std::string configSize(std::uint64_t bytes) {
    if (bytes == 0) return "0";
    if (bytes % (1ULL << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
    if (bytes % (1ULL << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
    if (bytes % (1ULL << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
    return std::to_string(bytes);
}

std::string renderDefinition(const ProcessRecord& p, const ServiceDefinition& d) {
    std::string out =
        "# " + p.name + ": " + (p.sourceFile.empty() ? std::string("(unknown file)") : p.sourceFile);
    if (p.sourceLine > 0) out += ":" + std::to_string(p.sourceLine);
    out += "\n# effective definition: as loaded, defaults filled in\n";
    out += "services:\n  " + p.group + ":\n";
    auto line = [&](const std::string& key, const std::string& value) {
        out += "    " + key + ": " + value + "\n";
    };
    auto note = [&](const std::string& key, const std::string& why) {
        out += "    # " + key + ": " + why + "\n";
    };

    line("command", Json(!p.argv.empty() ? p.argv : d.execStart)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    line("directory", quoted(d.workingDirectory.empty() ? "/" : d.workingDirectory));
    if (d.user.empty())
        note("user", "not set: the daemon's user");
    else
        line("user", quoted(d.user));
    if (d.unixGroup.empty())
        note("group", "not set: the user's primary group");
    else
        line("group", quoted(d.unixGroup));
    if (d.umask.empty())
        note("umask", "not set: inherited from the daemon");
    else
        line("umask", quoted(d.umask));
    if (!d.environmentFile.empty()) line("environment_file", quoted(d.environmentFile));
    if (d.environment.empty()) {
        line("environment", "{}");
    } else {
        out += "    environment:";
        out += d.environmentFile.empty() ? "\n" : "  # environment_file's variables included\n";
        for (const auto& kv : d.environment) {
            const auto eq = kv.find('=');
            out += "      " + quoted(kv.substr(0, eq)) + ": " +
                   quoted(eq == std::string::npos ? "" : kv.substr(eq + 1)) + "\n";
        }
    }
    line("numprocs", std::to_string(d.numProcs));
    line("autostart", d.autostart ? "true" : "false");
    line("restart", d.restart);
    std::string codes;
    for (auto c : d.successExitStatus) codes += (codes.empty() ? "" : ", ") + std::to_string(c);
    line("success_exit_codes", "[" + codes + "]");
    line("start_seconds", configDuration(d.startSecUsec));
    line("start_retries", std::to_string(d.startRetries));
    out += "    backoff:\n";
    out += "      initial: " + configDuration(d.backoffInitialUsec) + "\n";
    out += "      max: " + configDuration(d.backoffMaxUsec) + "\n";
    out += "      reset_after: " + configDuration(d.backoffResetUsec) + "\n";
    line("stop_signal", d.stopSignal);
    line("stop_timeout", configDuration(d.stopTimeoutUsec));
    line("kill_group", d.killGroup ? "true" : "false");
    line("priority", std::to_string(p.priority));
    line("stdout", targetYaml(d.standardOutput, d.standardOutputMaxSize, d.standardOutputBackups));
    line("stderr", targetYaml(d.standardError, d.standardErrorMaxSize, d.standardErrorBackups));
    line("timestamps", d.timestamps ? "true" : "false");
    return out;
}

}  // namespace sup::ctl
