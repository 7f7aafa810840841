#include "ServiceReader.h"

#include <algorithm>
#include <climits>

#include "ServiceParts.h"

namespace sup::config {

const std::vector<std::string>& serviceKeys() {
    static const std::vector<std::string> keys = {
        "command",
        "directory",
        "user",
        "group",
        "environment",
        "environment_file",
        "umask",
        "numprocs",
        "autostart",
        "restart",
        "success_exit_codes",
        "start_seconds",
        "start_retries",
        "backoff",
        "stop_signal",
        "stop_timeout",
        "kill_group",
        "priority",
        "stdout",
        "stderr",
        "timestamps",
        "type",
        "ready",
        "ready_timeout",
        "watchdog",
        "health",
        "requires",
        "wants",
        "after",
    };
    return keys;
}

std::optional<std::string> serviceNameProblem(std::string_view name) {
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == '-';
        if (!ok)
            return name.find('@') != std::string_view::npos ? "'@' is reserved for instance names like web@0"
                                                            : "use letters, digits, '_', '.' and '-'";
    }
    if (name.empty()) return "use letters, digits, '_', '.' and '-'";
    // Names that would mean something else where a service name is used.
    if (name == "all") return "'all' is reserved: 'supctl start all' means every service";
    if (name == "." || name == "..")
        return "'.' and '..' are reserved: as {name} in a log path they would name a directory";
    if (name.front() == '-') return "a name may not start with '-': supctl would read it as an option";
    return std::nullopt;
}

bool isValidServiceName(std::string_view name) {
    return !serviceNameProblem(name);
}

namespace {

constexpr unsigned kMaxNumprocs = 65535;

std::optional<RestartMode> readRestart(const ReadContext& ctx, const Field& f) {
    // "no" is systemd's spelling of "never"; accepted silently, not advertised.
    if (f.value.IsScalar() && f.value.Scalar() == "no") return RestartMode::Never;
    auto word = readChoice(ctx, f, {"always", "on-failure", "never"});
    if (!word) return std::nullopt;
    if (*word == "always") return RestartMode::Always;
    if (*word == "on-failure") return RestartMode::OnFailure;
    return RestartMode::Never;
}

std::optional<std::vector<int>> readExitCodes(const ReadContext& ctx, const Field& f) {
    auto items = listItems(ctx, f, true);
    if (!items) return std::nullopt;
    std::vector<int> codes;
    bool ok = true;
    for (const auto& item : *items) {
        auto code = readInteger(ctx, item, 0, 255);
        if (!code) {
            ok = false;
            continue;
        }
        if (std::find(codes.begin(), codes.end(), *code) == codes.end())
            codes.push_back(static_cast<int>(*code));
    }
    if (!ok) return std::nullopt;
    return codes;
}

// With several instances, one file per instance: a shared file would interleave them beyond repair.
void checkPerInstanceFile(const ReadContext& ctx, const MapFields& fields, const char* stream,
                          const LogTarget& target, unsigned numprocs) {
    if (numprocs <= 1 || target.kind != LogTarget::Kind::File) return;
    if (target.path.find("{name}") != std::string::npos) return;
    const Field* f = fields.find(stream);
    ctx.error(f->value, f->path,
              "numprocs is " + std::to_string(numprocs) +
                  ", so each instance needs its own file: put {name} in the path (e.g. /var/log/{name}.log)");
}

std::optional<ServiceType> readType(const ReadContext& ctx, const Field& f) {
    auto word = readChoice(ctx, f, {"simple", "oneshot"});
    if (!word) return std::nullopt;
    return *word == "oneshot" ? ServiceType::Oneshot : ServiceType::Simple;
}

// The rules between type, restart, ready and watchdog (each key is valid on its own).
void checkReadiness(const ReadContext& ctx, const MapFields& fields, const ServiceSpec& spec) {
    if (spec.type == ServiceType::Oneshot) {
        const Field* restart = fields.find("restart");
        if (restart && spec.restart == RestartMode::Always)
            ctx.error(restart->value, restart->path,
                      "restart: always does not go with type: oneshot (a oneshot is done when it exits "
                      "successfully); use on-failure (its default) or never");
        if (const Field* ready = fields.find("ready"))
            ctx.error(ready->key, ready->path,
                      "ready does not go with type: oneshot: a oneshot is ready when it exits successfully");
    }
    const Field* watchdog = fields.find("watchdog");
    if (watchdog && spec.watchdog.count() > 0 && spec.ready.kind != ProbeKind::Notify)
        ctx.error(watchdog->key, watchdog->path,
                  "watchdog needs ready: notify (the service sends WATCHDOG=1 on its $NOTIFY_SOCKET)");
}

}  // namespace

ServiceSpec readService(const ReadContext& ctx, const Field& entry) {
    ServiceSpec spec;
    spec.name = entry.name;
    spec.where = ctx.locate(entry.key);
    if (auto why = serviceNameProblem(entry.name))
        ctx.error(entry.key, entry.path, "invalid service name '" + entry.name + "' (" + *why + ")");
    if (entry.value.IsNull()) {
        ctx.error(entry.key, entry.path, "missing command");
        return spec;
    }
    if (!entry.value.IsMap()) {
        ctx.error(entry.value, entry.path,
                  "expected the service's settings as a map, got " + describe(entry.value));
        return spec;
    }

    MapFields fields(ctx, entry.value, entry.path, serviceKeys());
    auto with = [&](const char* key, auto&& apply) {
        if (const Field* f = fields.find(key)) apply(*f);
    };
    auto set = [](auto& target, const auto& value) {
        if (value) target = *value;
    };

    if (const Field* f = fields.find("command"))
        set(spec.command, readCommand(ctx, *f));
    else
        ctx.error(entry.key, joinPath(entry.path, "command"),
                  "missing command (e.g. command: [\"/usr/bin/app\", \"--port\", \"8080\"])");
    with("directory", [&](const Field& f) { set(spec.directory, readAbsolutePath(ctx, f)); });
    readIdentity(ctx, fields.find("user"), fields.find("group"), spec);
    readEnvironment(ctx, fields.find("environment_file"), fields.find("environment"), spec);
    with("umask", [&](const Field& f) {
        if (auto m = readUmask(ctx, f)) spec.umask = *m;
    });
    with("numprocs", [&](const Field& f) {
        if (auto n = readInteger(ctx, f, 1, kMaxNumprocs)) spec.numprocs = static_cast<unsigned>(*n);
    });
    with("autostart", [&](const Field& f) { set(spec.autostart, readBool(ctx, f)); });
    with("restart", [&](const Field& f) { set(spec.restart, readRestart(ctx, f)); });
    with("success_exit_codes", [&](const Field& f) { set(spec.successExitCodes, readExitCodes(ctx, f)); });
    with("start_seconds", [&](const Field& f) { set(spec.startSeconds, readDuration(ctx, f)); });
    with("start_retries", [&](const Field& f) {
        if (auto n = readInteger(ctx, f, 0, 1'000'000)) spec.startRetries = static_cast<unsigned>(*n);
    });
    with("backoff", [&](const Field& f) { set(spec.backoff, readBackoff(ctx, f)); });
    with("stop_signal", [&](const Field& f) { set(spec.stopSignal, readSignal(ctx, f)); });
    with("stop_timeout", [&](const Field& f) {
        auto d = readDuration(ctx, f);
        if (d && d->count() == 0)
            ctx.error(f.value, f.path, "must be more than 0: it is the time between stop_signal and SIGKILL");
        else
            set(spec.stopTimeout, d);
    });
    with("kill_group", [&](const Field& f) { set(spec.killGroup, readBool(ctx, f)); });
    with("priority", [&](const Field& f) {
        if (auto n = readInteger(ctx, f, INT_MIN, INT_MAX)) spec.priority = static_cast<int>(*n);
    });
    with("stdout", [&](const Field& f) { set(spec.stdoutTarget, readLogTarget(ctx, f, false)); });
    with("stderr", [&](const Field& f) { set(spec.stderrTarget, readLogTarget(ctx, f, true)); });
    with("timestamps", [&](const Field& f) { set(spec.timestamps, readBool(ctx, f)); });
    with("type", [&](const Field& f) { set(spec.type, readType(ctx, f)); });
    // A oneshot's run is its start: by default a failed run is retried, a successful one is done.
    if (spec.type == ServiceType::Oneshot && !fields.find("restart")) spec.restart = RestartMode::OnFailure;
    // And, as systemd's Type=oneshot, no time limit on that run unless ready_timeout says one: a
    // migration may take as long as it takes.
    if (spec.type == ServiceType::Oneshot && !fields.find("ready_timeout")) spec.readyTimeout = kMaxDuration;
    with("ready", [&](const Field& f) { set(spec.ready, readReady(ctx, f)); });
    with("ready_timeout", [&](const Field& f) {
        auto d = readDuration(ctx, f);
        if (d && d->count() == 0)
            ctx.error(f.value, f.path, "must be more than 0 (use infinity to wait for ever)");
        else
            set(spec.readyTimeout, d);
    });
    with("watchdog", [&](const Field& f) { set(spec.watchdog, readDuration(ctx, f)); });
    with("health", [&](const Field& f) {
        if (auto probe = readHealth(ctx, f)) spec.health = std::move(*probe);
    });
    with("requires", [&](const Field& f) { set(spec.required, readDependencyList(ctx, f)); });
    with("wants", [&](const Field& f) { set(spec.wanted, readDependencyList(ctx, f)); });
    with("after", [&](const Field& f) { set(spec.after, readDependencyList(ctx, f)); });

    checkReadiness(ctx, fields, spec);
    checkPerInstanceFile(ctx, fields, "stdout", spec.stdoutTarget, spec.numprocs);
    checkPerInstanceFile(ctx, fields, "stderr", spec.stderrTarget, spec.numprocs);
    return spec;
}

}  // namespace sup::config
