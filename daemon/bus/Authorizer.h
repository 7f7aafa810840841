// Who may change state through the bus: root, the daemon's own user, and members of one of the
// supervisor.control_groups. The daemon checks this itself from the caller's uid as the bus daemon
// recorded it (SO_PEERCRED), instead of trusting only the bus policy file.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdbus {
class IObject;
}

namespace sup::bus {

// The user and group database (NSS in the daemon, a table in tests).
class GroupDatabase {
  public:
    virtual ~GroupDatabase() = default;
    // Primary and supplementary groups of that user; empty when the uid has no passwd entry.
    virtual std::vector<gid_t> groupsOf(uid_t uid) const = 0;
    // The gid of a group given by name or number; nullopt when there is no such group.
    virtual std::optional<gid_t> gidOf(const std::string& group) const = 0;
};

class SystemGroupDatabase final : public GroupDatabase {
  public:
    std::vector<gid_t> groupsOf(uid_t uid) const override;                // getpwuid_r + getgrouplist
    std::optional<gid_t> gidOf(const std::string& group) const override;  // getgrnam_r
};

class Authorizer {
  public:
    // owner: the daemon's effective uid, always allowed (it is root on the system bus, the user with --user).
    Authorizer(const GroupDatabase& groups, uid_t owner);

    // nullopt when `caller` may perform `action` (e.g. "stop web"); otherwise the reason for the refusal,
    // "uid 65534 may not stop web: not root and not in control_groups (wheel)".
    std::optional<std::string> refusal(uid_t caller, const std::vector<std::string>& controlGroups,
                                       std::string_view action) const;

    // In a method handler on `object`: throws org.freedesktop.DBus.Error.AccessDenied unless the
    // sender of the message being processed may perform `action`.
    void require(const sdbus::IObject& object, const std::vector<std::string>& controlGroups,
                 std::string_view action) const;

  private:
    const GroupDatabase& groups_;
    uid_t owner_;
};

}  // namespace sup::bus
