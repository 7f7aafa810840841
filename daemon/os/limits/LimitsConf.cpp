#include "os/limits/LimitsConf.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace sup::os::limits {
namespace {

// pam_limits' precedence classes (LIMITS_DEF_USER, _GROUP, _DEFAULT): lower wins.
constexpr int kByUser = 0;
constexpr int kByGroup = 1;
constexpr int kByDefault = 3;

std::vector<std::string_view> splitOn(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto p = s.find(sep);
        out.push_back(s.substr(0, p));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + 1);
    }
    return out;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

template <typename Fn>
void forEachLine(std::string_view text, Fn fn) {
    int lineNo = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        ++lineNo;
        fn(text.substr(0, nl), lineNo);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

// "<min>:<max>", "<min>:", ":<exact>" (limits.conf(5)); nullopt when `s` is not a range.
struct IdRange {
    std::uint64_t min = 0, max = kUnlimited;
};
std::optional<IdRange> parseRange(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto lo = s.substr(0, colon), hi = s.substr(colon + 1);
    IdRange r;
    if (lo.empty()) {  // ":N" matches exactly N
        auto v = parseU64(hi);
        if (!v) return std::nullopt;
        r.min = r.max = *v;
        return r;
    }
    auto v = parseU64(lo);
    if (!v) return std::nullopt;
    r.min = *v;
    if (!hi.empty()) {
        auto w = parseU64(hi);
        if (!w) return std::nullopt;
        r.max = *w;
    }
    return r;
}

// Precedence class of a domain for this user, or nullopt when the line does not apply to them.
std::optional<int> domainPriority(std::string_view domain, const UserIdentity& u) {
    if (domain == u.name) return kByUser;
    if (domain == "*") return u.uid == 0 ? std::nullopt : std::optional<int>(kByDefault);
    if (domain.front() == '%') return std::nullopt;  // maxlogins only
    if (domain.front() == '@') {
        if (u.uid == 0) return std::nullopt;
        auto group = domain.substr(1);
        if (auto r = parseRange(group)) {
            // An exact gid looks at every group; a range only at the primary one (limits.conf(5)).
            if (r->min == r->max)
                return std::find(u.groups.begin(), u.groups.end(), r->min) != u.groups.end()
                           ? std::optional<int>(kByGroup)
                           : std::nullopt;
            return u.gid >= r->min && u.gid <= r->max ? std::optional<int>(kByGroup) : std::nullopt;
        }
        return std::find(u.groupNames.begin(), u.groupNames.end(), group) != u.groupNames.end()
                   ? std::optional<int>(kByGroup)
                   : std::nullopt;
    }
    if (auto r = parseRange(domain))
        return u.uid >= r->min && u.uid <= r->max ? std::optional<int>(kByUser) : std::nullopt;
    return std::nullopt;
}

std::optional<std::uint64_t> parseConfValue(std::string_view v) {
    if (v == "unlimited" || v == "infinity" || v == "-1") return kUnlimited;
    return parseU64(v);
}

void assign(ConfValue& slot, std::uint64_t value, int priority, const std::string& from) {
    if (slot.priority < priority) return;  // a more specific line already set it
    slot.value = value;
    slot.priority = priority;
    slot.from = from;
}

std::optional<UserIdentity> fromFiles(const FsRoot& fs, uid_t uid) {
    auto passwd = fs.read("etc/passwd", 4 * 1024 * 1024);
    if (!passwd) return std::nullopt;
    std::optional<UserIdentity> user;
    forEachLine(*passwd, [&](std::string_view line, int) {
        if (user) return;
        auto f = splitOn(line, ':');
        if (f.size() < 4) return;
        auto id = parseU64(f[2]);
        auto gid = parseU64(f[3]);
        if (!id || !gid || *id != uid) return;
        user = UserIdentity{uid, static_cast<gid_t>(*gid), std::string(f[0]), {static_cast<gid_t>(*gid)}, {}};
    });
    if (!user) return std::nullopt;
    auto groups = fs.read("etc/group", 4 * 1024 * 1024);
    if (!groups) return user;
    forEachLine(*groups, [&](std::string_view line, int) {
        auto f = splitOn(line, ':');
        if (f.size() < 4) return;
        auto gid = parseU64(f[2]);
        if (!gid) return;
        bool member = *gid == user->gid;
        for (auto m : splitOn(f[3], ','))
            if (trim(m) == user->name) member = true;
        if (!member) return;
        if (*gid != user->gid) user->groups.push_back(static_cast<gid_t>(*gid));
        user->groupNames.emplace_back(f[0]);
    });
    return user;
}

// NSS, for users that live in LDAP and the like. Only on the host root: a fake tree has no NSS.
std::optional<UserIdentity> fromNss(uid_t uid) {
    std::vector<char> buf(16 * 1024);
    passwd pw{};
    passwd* found = nullptr;
    int rc;
    while ((rc = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found)) == ERANGE && buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (rc != 0 || !found) return std::nullopt;
    UserIdentity u{uid, pw.pw_gid, pw.pw_name, {}, {}};
    int n = 64;
    std::vector<gid_t> gids(static_cast<std::size_t>(n));
    while (::getgrouplist(pw.pw_name, pw.pw_gid, gids.data(), &n) < 0 && n < 65536)
        gids.resize(static_cast<std::size_t>(n > static_cast<int>(gids.size()) ? n : n * 2));
    gids.resize(static_cast<std::size_t>(std::max(n, 0)));
    u.groups = gids;
    for (gid_t g : gids) {
        group gr{};
        group* got = nullptr;
        std::vector<char> gbuf(16 * 1024);
        while ((rc = ::getgrgid_r(g, &gr, gbuf.data(), gbuf.size(), &got)) == ERANGE &&
               gbuf.size() < (1u << 20))
            gbuf.resize(gbuf.size() * 2);
        if (rc == 0 && got) u.groupNames.emplace_back(gr.gr_name);
    }
    return u;
}

std::string valueText(std::uint64_t v) {
    return v == kUnlimited ? "unlimited" : std::to_string(v);
}

}  // namespace

std::optional<UserIdentity> lookupUser(const FsRoot& fs, uid_t uid) {
    if (auto u = fromFiles(fs, uid)) return u;
    if (fs.isHostRoot()) return fromNss(uid);
    return std::nullopt;
}

void applyLimitsConf(std::string_view text, const std::string& fileLabel, const UserIdentity& user,
                     PamLimits& out) {
    forEachLine(text, [&](std::string_view line, int lineNo) {
        auto hash = line.find('#');
        if (hash != std::string_view::npos) line = line.substr(0, hash);
        auto w = words(line);
        if (w.size() < 4) return;
        auto priority = domainPriority(w[0], user);
        if (!priority) return;
        ConfLimit* target = w[2] == "nproc" ? &out.nproc : w[2] == "nofile" ? &out.nofile : nullptr;
        if (!target) return;
        auto value = parseConfValue(w[3]);
        if (!value) return;
        std::string from = fileLabel + ":" + std::to_string(lineNo);
        bool soft = w[1] == "soft" || w[1] == "-";
        bool hard = w[1] == "hard" || w[1] == "-";
        if (soft) assign(target->soft, *value, *priority, from);
        if (hard) assign(target->hard, *value, *priority, from);
    });
}

PamLimits pamLimitsFor(const FsRoot& fs, const UserIdentity& user) {
    PamLimits out;
    if (auto text = fs.read("etc/security/limits.conf"))
        applyLimitsConf(*text, fs.path("etc/security/limits.conf"), user, out);
    auto names = fs.list("etc/security/limits.d");
    std::sort(names.begin(), names.end());  // pam_limits globs them, in C-locale order
    for (const auto& name : names) {
        if (name.size() < 6 || name.compare(name.size() - 5, 5, ".conf") != 0) continue;
        std::string rel = "etc/security/limits.d/" + name;
        if (auto text = fs.read(rel)) applyLimitsConf(*text, fs.path(rel), user, out);
    }
    return out;
}

std::string describePamLimit(const ConfLimit& limit, std::string_view item, const std::string& userName) {
    if (!limit.set()) return "";
    std::ostringstream s;
    s << "limits.conf would set " << item;
    if (limit.soft.value) s << " soft " << valueText(*limit.soft.value);
    if (limit.soft.value && limit.hard.value) s << ",";
    if (limit.hard.value) s << " hard " << valueText(*limit.hard.value);
    s << " for " << userName << " at login (" << (limit.soft.value ? limit.soft.from : limit.hard.from)
      << "); PAM sessions only, services inherit supervisord's own limit";
    return s.str();
}

}  // namespace sup::os::limits
