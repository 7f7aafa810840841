#include "SupervisorReader.h"

#include <system_error>

#include "Accounts.h"

namespace sup::config {

const std::vector<std::string>& supervisorKeys() {
    static const std::vector<std::string> keys = {
        "state_dir",          "log_dir",    "control_groups", "read_groups",
        "limit_warn_percent", "tail_bytes", "log_level"};
    return keys;
}

namespace {

constexpr std::uint64_t kMaxTailBytes = 1ull << 30;

void readControlGroups(const ReadContext& ctx, const Field& f, DaemonSettings& settings) {
    auto items = listItems(ctx, f);
    if (!items) return;
    for (const auto& item : *items) {
        auto name = readString(ctx, item);
        if (!name) continue;
        try {
            if (!findGroup(*name)) {
                ctx.error(item.value, item.path, "no group '" + *name + "' on this system");
                continue;
            }
        } catch (const std::system_error& e) {
            ctx.error(item.value, item.path, std::string("cannot look up groups: ") + e.what());
            continue;
        }
        settings.controlGroups.push_back(*name);
    }
}

// Unlike control_groups, a group that does not exist is no error: the default names Debian's adm and
// systemd-journal, and one config file should serve machines that have them and machines that do not.
// A missing group grants nothing (see bus/Authorizer.h).
void readReadGroups(const ReadContext& ctx, const Field& f, DaemonSettings& settings) {
    auto items = listItems(ctx, f);
    if (!items) return;
    settings.readGroups.clear();
    for (const auto& item : *items) {
        auto name = readString(ctx, item);
        if (!name) continue;
        if (name->empty()) {
            ctx.error(item.value, item.path, "a group name cannot be empty");
            continue;
        }
        settings.readGroups.push_back(*name);
    }
}

}  // namespace

DaemonSettings readSupervisor(const ReadContext& ctx, const Field& section) {
    DaemonSettings settings;
    settings.where = ctx.locate(section.key);
    if (!expectMap(ctx, section)) return settings;
    MapFields fields(ctx, section.value, section.path, supervisorKeys());

    if (const Field* f = fields.find("state_dir"))
        if (auto p = readAbsolutePath(ctx, *f)) settings.stateDir = *p;
    if (const Field* f = fields.find("log_dir"))
        if (auto p = readAbsolutePath(ctx, *f)) settings.logDir = *p;
    if (const Field* f = fields.find("control_groups")) readControlGroups(ctx, *f, settings);
    if (const Field* f = fields.find("read_groups")) readReadGroups(ctx, *f, settings);
    if (const Field* f = fields.find("limit_warn_percent"))
        if (auto n = readInteger(ctx, *f, 1, 100)) settings.limitWarnPercent = static_cast<unsigned>(*n);
    if (const Field* f = fields.find("tail_bytes")) {
        auto bytes = readSize(ctx, *f);
        if (bytes && (*bytes == 0 || *bytes > kMaxTailBytes))
            ctx.error(f->value, f->path,
                      "must be from 1 byte to 1GiB (it is kept in memory per instance and stream)");
        else if (bytes)
            settings.tailBytes = static_cast<std::size_t>(*bytes);
    }
    if (const Field* f = fields.find("log_level"))
        if (auto level = readChoice(ctx, *f, {"trace", "debug", "info", "warn", "error", "critical", "off"}))
            settings.logLevel = *level;
    return settings;
}

}  // namespace sup::config
