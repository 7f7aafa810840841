#include <system_error>

#include "Accounts.h"
#include "ServiceParts.h"

namespace sup::config {

namespace {

// `group:` by name (must exist) or number (taken as is, like chown does).
std::optional<gid_t> resolveGroup(const ReadContext& ctx, const Field& f) {
    auto text = readString(ctx, f);
    if (!text) return std::nullopt;
    if (auto id = parseNumericId(*text)) return static_cast<gid_t>(*id);
    if (auto gid = findGroup(*text)) return gid;
    ctx.error(f.value, f.path, "no group '" + *text + "' on this system");
    return std::nullopt;
}

}  // namespace

void readIdentity(const ReadContext& ctx, const Field* user, const Field* group, ServiceSpec& spec) {
    try {
        std::optional<gid_t> groupId;
        if (group) {
            spec.group = readString(ctx, *group);
            groupId = resolveGroup(ctx, *group);
        }
        if (!user) {
            spec.gid = groupId;
            return;
        }
        auto name = readString(ctx, *user);
        if (!name) return;
        spec.user = *name;
        std::optional<UserEntry> entry;
        if (auto id = parseNumericId(*name)) {
            entry = findUser(static_cast<uid_t>(*id));
            if (!entry) {
                // A bare uid without a passwd entry is legitimate (containers, dynamic ids). Its group
                // defaults to the same number rather than to ours, which would hand it root's group.
                spec.uid = static_cast<uid_t>(*id);
                spec.gid = groupId.value_or(static_cast<gid_t>(*id));
                spec.home = std::string(1, '/');  // not = "/": GCC 12 warns falsely (-Wrestrict) on that
                spec.supplementaryGroups.clear();
                return;
            }
        } else {
            entry = findUser(*name);
            if (!entry) {
                ctx.error(user->value, user->path, "no user '" + *name + "' on this system");
                return;
            }
        }
        spec.uid = entry->uid;
        spec.gid = groupId.value_or(entry->gid);
        spec.home = entry->home.empty() ? "/" : entry->home;
        spec.account = entry->name;  // "0" is written, "root" is who the process is
        // As initgroups(user, gid) would: the user's groups, with the chosen primary group first.
        spec.supplementaryGroups = groupsOf(entry->name, *spec.gid);
    } catch (const std::system_error& e) {
        // NSS itself failed (e.g. an unreachable LDAP): not the user's typo, but still no valid config.
        const Field* at = user ? user : group;
        ctx.error(at->value, at->path, std::string("cannot look up users and groups: ") + e.what());
    }
}

}  // namespace sup::config
