#include "bus/Authorizer.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IObject.h>
#include <sdbus-c++/Message.h>

#include "bus/BusErrors.h"

namespace sup::bus {

namespace {

// Runs a getXXX_r lookup, growing the buffer on ERANGE. Returns false when there is no entry.
template <typename Lookup>
bool lookupWithBuffer(Lookup&& lookup) {
    long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 1024);
    for (;;) {
        int rc = lookup(buf.data(), buf.size());
        if (rc == ERANGE && buf.size() < (1u << 20)) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (rc == EINTR) continue;
        return rc == 0;
    }
}

std::optional<gid_t> parseGid(const std::string& text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    gid_t gid = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), gid);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return gid;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

}  // namespace

std::vector<gid_t> SystemGroupDatabase::groupsOf(uid_t uid) const {
    passwd pw{};
    passwd* found = nullptr;
    std::string name;
    gid_t primary = 0;
    bool known = lookupWithBuffer([&](char* buf, std::size_t len) {
        int rc = ::getpwuid_r(uid, &pw, buf, len, &found);
        if (rc == 0 && found != nullptr) {
            name = found->pw_name;
            primary = found->pw_gid;
        }
        return rc != 0 ? rc : (found ? 0 : ENOENT);
    });
    if (!known) return {};

    std::vector<gid_t> groups(32);
    for (;;) {
        int count = static_cast<int>(groups.size());
        if (::getgrouplist(name.c_str(), primary, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            return groups;
        }
        // -1: too small; count now holds the number needed.
        groups.resize(std::max(static_cast<std::size_t>(count), groups.size() * 2));
    }
}

std::optional<gid_t> SystemGroupDatabase::gidOf(const std::string& group) const {
    if (auto numeric = parseGid(group)) return numeric;
    ::group gr{};
    ::group* found = nullptr;
    gid_t gid = 0;
    bool known = lookupWithBuffer([&](char* buf, std::size_t len) {
        int rc = ::getgrnam_r(group.c_str(), &gr, buf, len, &found);
        if (rc == 0 && found != nullptr) gid = found->gr_gid;
        return rc != 0 ? rc : (found ? 0 : ENOENT);
    });
    if (!known) return std::nullopt;
    return gid;
}

Authorizer::Authorizer(const GroupDatabase& groups, uid_t owner) : groups_(groups), owner_(owner) {}

bool Authorizer::memberOfAny(const Caller& caller, const std::vector<std::string>& groups) const {
    if (groups.empty()) return false;
    std::vector<gid_t> member = caller.gids;
    const std::vector<gid_t> listed = groups_.groupsOf(caller.uid);
    member.insert(member.end(), listed.begin(), listed.end());
    for (const auto& name : groups) {
        auto gid = groups_.gidOf(name);
        if (gid && std::find(member.begin(), member.end(), *gid) != member.end()) return true;
    }
    return false;
}

std::optional<std::string> Authorizer::refusal(uid_t caller, const std::vector<std::string>& controlGroups,
                                               std::string_view action) const {
    static const std::vector<std::string> none;
    return refusal(Caller{caller, {}}, AccessGroups{controlGroups, none}, Access::Control, action);
}

std::optional<std::string> Authorizer::refusal(const Caller& caller, AccessGroups groups, Access access,
                                               std::string_view action) const {
    if (caller.uid == 0 || caller.uid == owner_) return std::nullopt;
    if (memberOfAny(caller, groups.control)) return std::nullopt;
    if (access == Access::Read && memberOfAny(caller, groups.read)) return std::nullopt;
    std::string text =
        "uid " + std::to_string(caller.uid) + " may not " + std::string(action) + ": not root and ";
    if (access == Access::Control) {
        text += groups.control.empty() ? "no control_groups are configured"
                                       : "not in control_groups (" + joined(groups.control) + ")";
        return text;
    }
    std::vector<std::string> both = groups.control;
    both.insert(both.end(), groups.read.begin(), groups.read.end());
    text += both.empty() ? "no control_groups or read_groups are configured"
                         : "not in control_groups or read_groups (" + joined(both) + ")";
    return text;
}

void Authorizer::require(const sdbus::IObject& object, AccessGroups groups, Access access,
                         std::string_view action) const {
    const sdbus::Message* msg = object.getCurrentlyProcessedMessage();
    if (msg == nullptr) throw sdbus::Error(errors::kAccessDenied, "cannot identify the caller");
    // The credentials dbus-daemon recorded when the caller connected (GetConnectionCredentials), not
    // /proc/PID: they cannot be raced by PID reuse.
    Caller caller;
    caller.uid = msg->getCredsEuid();
    if (caller.uid == 0 || caller.uid == owner_) return;  // no further bus round trip for root
    try {
        // dbus-daemon's UnixGroupIDs (SO_PEERGROUPS plus the primary gid). No egid query: the bus does not
        // record it, and sd-bus would read it from /proc/PID, which a caller that exits can race.
        caller.gids = msg->getCredsSupplementaryGids();
    } catch (const sdbus::Error&) {
        // An older bus without UnixGroupIDs: the group database alone decides.
    }
    if (auto why = refusal(caller, groups, access, action)) throw sdbus::Error(errors::kAccessDenied, *why);
}

uid_t Authorizer::callerUid(const sdbus::IObject& object) {
    const sdbus::Message* msg = object.getCurrentlyProcessedMessage();
    if (msg == nullptr) throw sdbus::Error(errors::kAccessDenied, "cannot identify the caller");
    return msg->getCredsEuid();
}

void Authorizer::require(const sdbus::IObject& object, const std::vector<std::string>& controlGroups,
                         std::string_view action) const {
    static const std::vector<std::string> none;
    require(object, AccessGroups{controlGroups, none}, Access::Control, action);
}

}  // namespace sup::bus
