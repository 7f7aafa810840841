// User and group lookups for `user:`, `group:` and `supervisor.control_groups` (NSS: passwd, group).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sup::config {

struct UserEntry {
    std::string name;
    uid_t uid;
    gid_t gid;  // primary group
    std::string home;
};

// std::nullopt when there is no such entry. A failing NSS lookup (not "not found") throws std::system_error.
std::optional<UserEntry> findUser(const std::string& name);
std::optional<UserEntry> findUser(uid_t uid);
std::optional<gid_t> findGroup(const std::string& name);

// The groups `user` is a member of, starting with `primary` (what initgroups() would set), without repeats.
std::vector<gid_t> groupsOf(const std::string& user, gid_t primary);

// "1000" -> 1000. std::nullopt for anything but plain decimal digits in range (never (id_t)-1, which
// setuid/setgid read as "unchanged").
std::optional<unsigned> parseNumericId(std::string_view text);

}  // namespace sup::config
