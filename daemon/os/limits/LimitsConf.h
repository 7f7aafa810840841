// What pam_limits would set for a user at login, from /etc/security/limits.conf and limits.d/*.conf.
//
// Services started by supervisord do not pass through PAM, so these values never apply to them; the
// probe shows them in a note because "but limits.conf says 4096" is the first thing people check.
// Hand-written because no library parses pam_limits' format outside PAM itself.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/limits/FsRoot.h"

namespace sup::os::limits {

struct UserIdentity {
    uid_t uid = 0;
    gid_t gid = 0;  // primary group
    std::string name;
    std::vector<gid_t> groups;            // primary and supplementary
    std::vector<std::string> groupNames;  // names of `groups`, where known
};

// From <root>/etc/passwd and <root>/etc/group; on the host root, NSS (getpwuid_r, getgrouplist)
// when the files do not know the uid. nullopt when nobody knows it.
std::optional<UserIdentity> lookupUser(const FsRoot& fs, uid_t uid);

struct ConfValue {
    std::optional<std::uint64_t> value;  // kUnlimited for "unlimited"
    int priority = 99;                   // pam_limits precedence of the line that set it (lower wins)
    std::string from;                    // "/etc/security/limits.conf:12"
};

struct ConfLimit {
    ConfValue soft;
    ConfValue hard;
    bool set() const { return soft.value || hard.value; }
};

struct PamLimits {
    ConfLimit nproc;
    ConfLimit nofile;
};

// Applies one file's lines for `user`, with pam_limits' precedence: a line naming the user (or a uid
// range holding it) beats an @group line, which beats "*"; among equals the later line wins. Group
// and wildcard lines do not apply to root.
void applyLimitsConf(std::string_view text, const std::string& fileLabel, const UserIdentity& user,
                     PamLimits& out);

// limits.conf, then limits.d/*.conf in name order, as pam_limits reads them.
PamLimits pamLimitsFor(const FsRoot& fs, const UserIdentity& user);

// "limits.conf would set nproc soft 4096, hard 8192 for alice at login (/etc/security/limits.conf:3)",
// or "" when no line applies.
std::string describePamLimit(const ConfLimit& limit, std::string_view item, const std::string& userName);

}  // namespace sup::os::limits
