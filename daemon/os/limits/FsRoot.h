// Read-only access to a filesystem tree (normally "/") through one directory descriptor.
//
// Every probe in this folder reads /proc, /sys and /etc relative to a root so unit tests can point
// it at a fake tree in a temp dir. Going through openat() on one root fd also keeps a /proc scan of
// thousands of processes cheap: no path is resolved from "/" again for every file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/UniqueFd.h"

namespace sup::os::limits {

class FsRoot {
  public:
    // Throws std::system_error when the root cannot be opened.
    explicit FsRoot(std::string root = "/");

    // Absolute path of a relative one ("proc/1/status" -> "/proc/1/status"), for messages.
    std::string path(const std::string& rel) const;
    const std::string& root() const { return root_; }
    // True when this is the machine's real "/" (then live syscalls such as getrlimit may be used).
    bool isHostRoot() const { return root_ == "/"; }

    // Whole contents of a small file, or nullopt when it cannot be read (vanished process, no such
    // controller, permission). At most maxBytes are read: every file read here is small.
    std::optional<std::string> read(const std::string& rel, std::size_t maxBytes = 64 * 1024) const;
    // Target of a symlink, or nullopt.
    std::optional<std::string> readLink(const std::string& rel) const;
    // Names in a directory ("." and ".." left out); empty when it cannot be read.
    std::vector<std::string> list(const std::string& rel) const;
    // Only the names that are directories (child cgroups among a cgroup's control files).
    std::vector<std::string> listDirs(const std::string& rel) const;
    // Names in a directory that are decimal numbers (pids, fd numbers), as numbers.
    std::vector<long> listNumeric(const std::string& rel) const;
    bool exists(const std::string& rel) const;

  private:
    std::vector<std::string> listMatching(const std::string& rel, bool dirsOnly) const;

    std::string root_;
    UniqueFd dir_;
};

// "unlimited" in every limit value read here (RLIM_INFINITY, limits.conf "unlimited").
inline constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

// Helpers for the line-oriented text of /proc and /sys.
std::string_view trim(std::string_view s);
// "123\n" -> 123; nullopt for anything else.
std::optional<std::uint64_t> parseU64(std::string_view s);
// A pids.max / threads-max style value: "max" -> 0 (unlimited), a number -> itself.
std::optional<std::uint64_t> parseLimitValue(std::string_view s);
// The number of `key` in a cgroup "flat keyed" file ("KEY VALUE" lines: pids.events, memory.events,
// memory.oom_control); nullopt when the key is absent or its value is not a number.
std::optional<std::uint64_t> keyedValue(std::string_view text, std::string_view key);

}  // namespace sup::os::limits
