#include "Accounts.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace sup::config {

namespace {

// The *_r lookups want a caller buffer; ERANGE means "bigger". The entry's strings point into that
// buffer, so `convert` copies what is needed before it goes. nullopt means "no such entry".
template <typename Entry, typename Call, typename Convert>
auto lookup(Call&& call, Convert&& convert, const char* what) -> std::optional<decltype(convert(Entry{}))> {
    long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 1024);
    for (;;) {
        Entry entry{};
        Entry* result = nullptr;
        int rc = call(&entry, buffer.data(), buffer.size(), &result);
        if (rc == ERANGE && buffer.size() < (1u << 24)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc == EINTR) continue;
        // Besides 0, POSIX lists these as "not found" answers that some NSS modules give.
        if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) {
            if (!result) return std::nullopt;
            return convert(entry);
        }
        throw std::system_error(rc, std::generic_category(), what);
    }
}

UserEntry toUser(const passwd& pw) {
    return {pw.pw_name ? pw.pw_name : "", pw.pw_uid, pw.pw_gid, pw.pw_dir ? pw.pw_dir : ""};
}

}  // namespace

std::optional<UserEntry> findUser(const std::string& name) {
    return lookup<passwd>(
        [&](passwd* e, char* b, std::size_t n, passwd** r) { return ::getpwnam_r(name.c_str(), e, b, n, r); },
        toUser, "getpwnam_r");
}

std::optional<UserEntry> findUser(uid_t uid) {
    return lookup<passwd>(
        [&](passwd* e, char* b, std::size_t n, passwd** r) { return ::getpwuid_r(uid, e, b, n, r); }, toUser,
        "getpwuid_r");
}

std::optional<gid_t> findGroup(const std::string& name) {
    return lookup<group>(
        [&](group* e, char* b, std::size_t n, group** r) { return ::getgrnam_r(name.c_str(), e, b, n, r); },
        [](const group& g) { return g.gr_gid; }, "getgrnam_r");
}

std::vector<gid_t> groupsOf(const std::string& user, gid_t primary) {
    std::vector<gid_t> groups(32);
    for (;;) {
        int count = static_cast<int>(groups.size());
        if (::getgrouplist(user.c_str(), primary, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            break;
        }
        // -1: too small, and `count` now holds the size needed (glibc); grow at least a little regardless.
        groups.resize(std::max(static_cast<std::size_t>(count), groups.size() * 2));
        if (groups.size() > 65536) break;
    }
    std::vector<gid_t> unique;
    for (gid_t g : groups)
        if (std::find(unique.begin(), unique.end(), g) == unique.end()) unique.push_back(g);
    return unique;
}

std::optional<unsigned> parseNumericId(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    unsigned long long n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n >= 0xFFFFFFFFull) return std::nullopt;
    return static_cast<unsigned>(n);
}

}  // namespace sup::config
