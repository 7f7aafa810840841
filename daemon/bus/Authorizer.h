// Who may do what through the bus. supervisord runs as root and answers every local user, so each
// member belongs to one of three levels (the matrix is documented in supctl(1) and README.md):
//   Public  - state anyone may see, as with `systemctl status`: ListProcesses, GetProcess, Match,
//             GetLimits, every property.
//   Read    - what a service printed (Tail, Follow) and what Doctor reads from /proc about its
//             processes: root, the daemon's own user, control_groups and read_groups. The same output
//             on disk is 0640 in a 0750 directory, so it is not for everyone either.
//   Control - everything that changes state: root, the daemon's own user and control_groups.
// The daemon checks this itself from the caller's credentials as the bus daemon recorded them when it
// connected (SO_PEERCRED, SO_PEERGROUPS), instead of trusting only the bus policy file.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sd_bus_message;

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

enum class Access { Read, Control };

// The groups that grant each level, from the supervisor settings (read at each call: a reload applies).
struct AccessGroups {
    const std::vector<std::string>& control;
    const std::vector<std::string>& read;
};

// Who is calling: the uid, and the gids the caller's process had when it connected (egid and
// supplementary groups), which may be empty when the bus did not tell.
struct Caller {
    uid_t uid = 0;
    std::vector<gid_t> gids;
};

class Authorizer {
  public:
    // owner: the daemon's effective uid, always allowed (it is root on the system bus, the user with --user).
    Authorizer(const GroupDatabase& groups, uid_t owner);

    // nullopt when `caller` may perform `action` (e.g. "stop web"); otherwise the reason for the refusal,
    // "uid 65534 may not stop web: not root and not in control_groups (wheel)".
    std::optional<std::string> refusal(uid_t caller, const std::vector<std::string>& controlGroups,
                                       std::string_view action) const;

    // The general form. A caller is a member of a group when its connection carried that gid or the
    // group database lists it (a group added since the caller logged in still counts). Groups that do
    // not exist on this machine grant nothing and are no error (read_groups defaults to Debian's adm and
    // systemd-journal, which not every system has).
    std::optional<std::string> refusal(const Caller& caller, AccessGroups groups, Access access,
                                       std::string_view action) const;

    // In a method handler on `object`: throws org.freedesktop.DBus.Error.AccessDenied unless the
    // sender of the message being processed may perform `action` at level `access`.
    void require(const sdbus::IObject& object, AccessGroups groups, Access access,
                 std::string_view action) const;
    // The euid of the sender of the message being processed (as the bus recorded it).
    static uid_t callerUid(const sdbus::IObject& object);
    // Control level (every state change).
    void require(const sdbus::IObject& object, const std::vector<std::string>& controlGroups,
                 std::string_view action) const;
    // Control level, for a method call served with raw sd-bus (the Process1 objects): the same
    // credentials, asked the same way.
    void require(sd_bus_message* call, const std::vector<std::string>& controlGroups,
                 std::string_view action) const;

  private:
    // The check once the caller's euid is known; supplementaryGids() is asked only when it matters.
    template <typename Gids>
    void requireOf(uid_t euid, Gids&& supplementaryGids, AccessGroups groups, Access access,
                   std::string_view action) const;
    bool memberOfAny(const Caller& caller, const std::vector<std::string>& groups) const;

    const GroupDatabase& groups_;
    uid_t owner_;
};

}  // namespace sup::bus
