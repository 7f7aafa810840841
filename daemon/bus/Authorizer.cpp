#include "bus/Authorizer.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>

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

template <typename Gids>
void Authorizer::requireOf(uid_t euid, Gids&& supplementaryGids, AccessGroups groups, Access access,
                           std::string_view action) const {
    Caller caller;
    caller.uid = euid;
    if (caller.uid == 0 || caller.uid == owner_) return;  // no further bus round trip for root
    // dbus-daemon's UnixGroupIDs (SO_PEERGROUPS plus the primary gid). No egid query: the bus does not
    // record it, and sd-bus would read it from /proc/PID, which a caller that exits can race. Empty from
    // an older bus without UnixGroupIDs: the group database alone decides.
    caller.gids = supplementaryGids();
    if (auto why = refusal(caller, groups, access, action)) throw sdbus::Error(errors::kAccessDenied, *why);
}

void Authorizer::require(const sdbus::IObject& object, AccessGroups groups, Access access,
                         std::string_view action) const {
    const sdbus::Message* msg = object.getCurrentlyProcessedMessage();
    if (msg == nullptr) throw sdbus::Error(errors::kAccessDenied, "cannot identify the caller");
    // The credentials dbus-daemon recorded when the caller connected (GetConnectionCredentials), not
    // /proc/PID: they cannot be raced by PID reuse.
    const uid_t euid = msg->getCredsEuid();
    auto gids = [msg]() -> std::vector<gid_t> {
        try {
            return msg->getCredsSupplementaryGids();
        } catch (const sdbus::Error&) {
            return {};
        }
    };
    requireOf(euid, gids, groups, access, action);
}

namespace {

struct CredsUnref {
    void operator()(sd_bus_creds* creds) const { ::sd_bus_creds_unref(creds); }
};
using Creds = std::unique_ptr<sd_bus_creds, CredsUnref>;

// What sdbus::Message::getCreds* asks (sdbus-c++ 1.2.0): the sender's credentials, augmented by a
// query to the bus. Null when the bus did not tell.
Creds senderCreds(sd_bus_message* call, std::uint64_t what) {
    sd_bus_creds* creds = nullptr;
    if (::sd_bus_query_sender_creds(call, what | SD_BUS_CREDS_AUGMENT, &creds) < 0) return nullptr;
    return Creds(creds);
}

}  // namespace

void Authorizer::require(sd_bus_message* call, const std::vector<std::string>& controlGroups,
                         std::string_view action) const {
    static const std::vector<std::string> none;
    uid_t euid = 0;
    const Creds creds = call != nullptr ? senderCreds(call, SD_BUS_CREDS_EUID) : nullptr;
    if (!creds || ::sd_bus_creds_get_euid(creds.get(), &euid) < 0)
        throw sdbus::Error(errors::kAccessDenied, "cannot identify the caller");
    auto gids = [call]() -> std::vector<gid_t> {
        const Creds groups = senderCreds(call, SD_BUS_CREDS_SUPPLEMENTARY_GIDS);
        const gid_t* list = nullptr;
        const int count = groups ? ::sd_bus_creds_get_supplementary_gids(groups.get(), &list) : -1;
        if (count <= 0 || list == nullptr) return {};
        return std::vector<gid_t>(list, list + count);
    };
    requireOf(euid, gids, AccessGroups{controlGroups, none}, Access::Control, action);
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
