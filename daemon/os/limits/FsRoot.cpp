#include "os/limits/FsRoot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <system_error>

namespace sup::os::limits {
namespace {

// openat() needs a path relative to the root fd; callers may write "/proc/1/stat" or "proc/1/stat".
std::string relative(const std::string& rel) {
    std::size_t i = 0;
    while (i < rel.size() && rel[i] == '/') ++i;
    return i == rel.size() ? std::string(".") : rel.substr(i);
}

struct DirCloser {
    void operator()(DIR* d) const noexcept { (void)::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

}  // namespace

FsRoot::FsRoot(std::string root) : root_(std::move(root)) {
    if (root_.empty()) root_ = "/";
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    int fd = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + root_);
    dir_.reset(fd);
}

std::string FsRoot::path(const std::string& rel) const {
    std::string r = relative(rel);
    if (r == ".") return root_;
    return root_ == "/" ? "/" + r : root_ + "/" + r;
}

std::optional<std::string> FsRoot::read(const std::string& rel, std::size_t maxBytes) const {
    int raw;
    do {
        raw = ::openat(dir_.get(), relative(rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } while (raw < 0 && errno == EINTR);
    if (raw < 0) return std::nullopt;
    UniqueFd fd(raw);
    std::string out;
    char buf[4096];
    while (out.size() < maxBytes) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            // A process can exit between open and read (ESRCH); the caller treats that as gone.
            return std::nullopt;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    if (out.size() > maxBytes) out.resize(maxBytes);
    return out;
}

std::optional<std::string> FsRoot::readLink(const std::string& rel) const {
    char buf[4096];
    ssize_t n = ::readlinkat(dir_.get(), relative(rel).c_str(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> FsRoot::list(const std::string& rel) const {
    return listMatching(rel, false);
}

std::vector<std::string> FsRoot::listDirs(const std::string& rel) const {
    return listMatching(rel, true);
}

std::vector<std::string> FsRoot::listMatching(const std::string& rel, bool dirsOnly) const {
    std::vector<std::string> names;
    int raw;
    do {
        raw = ::openat(dir_.get(), relative(rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (raw < 0 && errno == EINTR);
    if (raw < 0) return names;
    DirPtr dir(::fdopendir(raw));
    if (!dir) {
        (void)::close(raw);  // fdopendir failed, so the fd is still ours
        return names;
    }
    // readdir returns nullptr both at the end and on error; errno tells them apart, but a partial
    // listing of a directory that changes under us (/proc) is the best anyone can get anyway.
    while (dirent* e = ::readdir(dir.get())) {
        std::string_view name(e->d_name);
        if (name == "." || name == "..") continue;
        if (dirsOnly) {
            bool isDir = e->d_type == DT_DIR;
            if (e->d_type == DT_UNKNOWN) {  // filesystems without d_type: ask
                struct stat st;
                isDir = ::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                        S_ISDIR(st.st_mode);
            }
            if (!isDir) continue;
        }
        names.emplace_back(name);
    }
    return names;
}

std::vector<long> FsRoot::listNumeric(const std::string& rel) const {
    std::vector<long> out;
    for (const auto& name : list(rel)) {
        long v = 0;
        auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
        if (ec == std::errc() && p == name.data() + name.size()) out.push_back(v);
    }
    return out;
}

bool FsRoot::exists(const std::string& rel) const {
    struct stat st;
    return ::fstatat(dir_.get(), relative(rel).c_str(), &st, 0) == 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::uint64_t> parseU64(std::string_view s) {
    s = trim(s);
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<std::uint64_t> parseLimitValue(std::string_view s) {
    s = trim(s);
    if (s == "max") return 0;
    return parseU64(s);
}

std::optional<std::uint64_t> keyedValue(std::string_view text, std::string_view key) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ')
            return parseU64(line.substr(key.size() + 1));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return std::nullopt;
}

}  // namespace sup::os::limits
