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

std::optional<std::string> Authorizer::refusal(uid_t caller, const std::vector<std::string>& controlGroups,
                                               std::string_view action) const {
    if (caller == 0 || caller == owner_) return std::nullopt;
    if (!controlGroups.empty()) {
        const std::vector<gid_t> member = groups_.groupsOf(caller);
        for (const auto& name : controlGroups) {
            auto gid = groups_.gidOf(name);
            if (gid && std::find(member.begin(), member.end(), *gid) != member.end()) return std::nullopt;
        }
    }
    std::string text =
        "uid " + std::to_string(caller) + " may not " + std::string(action) + ": not root and ";
    text += controlGroups.empty() ? "no control_groups are configured"
                                  : "not in control_groups (" + joined(controlGroups) + ")";
    return text;
}

void Authorizer::require(const sdbus::IObject& object, const std::vector<std::string>& controlGroups,
                         std::string_view action) const {
    const sdbus::Message* msg = object.getCurrentlyProcessedMessage();
    if (msg == nullptr) throw sdbus::Error(errors::kAccessDenied, "cannot identify the caller");
    // The euid dbus-daemon recorded when the caller connected (GetConnectionUnixUser), not /proc/PID:
    // it cannot be raced by PID reuse.
    const uid_t caller = msg->getCredsEuid();
    if (auto why = refusal(caller, controlGroups, action)) throw sdbus::Error(errors::kAccessDenied, *why);
}

}  // namespace sup::bus
