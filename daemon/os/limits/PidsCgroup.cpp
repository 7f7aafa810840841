#include "os/limits/PidsCgroup.h"

#include <algorithm>
#include <deque>

#include "os/limits/Percent.h"
#include "os/limits/TopConsumers.h"

namespace sup::os::limits {
namespace {

// Enough for any real hierarchy; a bound so a pathological tree cannot stall the daemon's loop.
constexpr std::size_t kMaxCgroupsWalked = 10000;

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool hasListItem(std::string_view list, std::string_view item, char sep) {
    while (true) {
        auto p = list.find(sep);
        if (trim(list.substr(0, p)) == item) return true;
        if (p == std::string_view::npos) return false;
        list.remove_prefix(p + 1);
    }
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeOctal(std::string_view s) {
    auto oct = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
            continue;
        }
        out += s[i];
    }
    return out;
}

std::string parentOf(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return "/";
    return path.substr(0, slash);
}

// The cgroup path as seen inside a mount whose root is `mountRoot` (not "/" in containers that bind
// a sub-tree of the host hierarchy).
std::string insideMount(const std::string& path, const std::string& mountRoot) {
    if (mountRoot.empty() || mountRoot == "/") return path;
    if (path == mountRoot) return "/";
    if (path.size() > mountRoot.size() && path.compare(0, mountRoot.size(), mountRoot) == 0 &&
        path[mountRoot.size()] == '/')
        return path.substr(mountRoot.size());
    return path;  // already relative to a cgroup namespace root
}

std::string relativeMount(const std::string& mountPoint) {
    std::size_t i = 0;
    while (i < mountPoint.size() && mountPoint[i] == '/') ++i;
    return mountPoint.substr(i);
}

std::string dirOf(const CgroupLocation& loc, const std::string& path) {
    return path == "/" ? loc.base : loc.base + path;
}

struct Level {
    std::string path;
    std::optional<std::uint64_t> max;  // 0 = "max" (unlimited)
    std::optional<std::uint64_t> current;
    std::uint64_t events = 0;  // pids.events "max"
};

Level readLevel(const FsRoot& fs, const CgroupLocation& loc, const std::string& path) {
    Level l;
    l.path = path;
    std::string dir = dirOf(loc, path);
    if (auto v = fs.read(dir + "/pids.max")) l.max = parseLimitValue(*v);
    if (auto v = fs.read(dir + "/pids.current")) l.current = parseU64(*v);
    if (auto v = fs.read(dir + "/pids.events")) l.events = keyedValue(*v, "max").value_or(0);
    return l;
}

// Tasks of every process in the subtree, by command. pids.current counts tasks, so a process counts
// with its threads.
std::vector<LimitConsumer> subtreeConsumers(const FsRoot& fs, const CgroupLocation& loc,
                                            const std::string& path, const ProcessTable& table) {
    ConsumerTally tally;
    if (path == "/") {  // the whole hierarchy is the whole machine: no need to walk it
        for (const auto& p : table.processes) tally.add(p.comm, p.threads);
        return tally.top();
    }
    std::deque<std::string> pending{dirOf(loc, path)};
    std::size_t walked = 0;
    while (!pending.empty() && walked < kMaxCgroupsWalked) {
        std::string dir = std::move(pending.front());
        pending.pop_front();
        ++walked;
        if (auto procs = fs.read(dir + "/cgroup.procs", 4 * 1024 * 1024)) {
            for (auto line : lines(*procs)) {
                auto pid = parseU64(line);
                if (!pid) continue;
                if (const ProcessEntry* p = table.find(static_cast<pid_t>(*pid)))
                    tally.add(p->comm, p->threads);
            }
        }
        for (auto& child : fs.listDirs(dir)) pending.push_back(dir + "/" + child);
    }
    return tally.top();
}

}  // namespace

std::vector<MountEntry> parseMountinfo(std::string_view text) {
    std::vector<MountEntry> out;
    for (auto line : lines(text)) {
        // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
        auto w = words(line);
        auto dash = std::find(w.begin(), w.end(), std::string_view("-"));
        if (w.size() < 6 || dash == w.end() || dash - w.begin() < 6 || w.end() - dash < 3) continue;
        MountEntry m;
        m.root = unescapeOctal(w[3]);
        m.mountPoint = unescapeOctal(w[4]);
        m.fsType = std::string(dash[1]);
        m.superOptions = dash + 3 < w.end() ? std::string(dash[3]) : std::string();
        out.push_back(std::move(m));
    }
    return out;
}

std::string cgroupDirectory(const CgroupLocation& loc) {
    return dirOf(loc, loc.path);
}

std::optional<CgroupLocation> locatePidsCgroup(const FsRoot& fs, pid_t pid) {
    return locateControllerCgroup(fs, pid, "pids");
}

std::optional<CgroupLocation> locateControllerCgroup(const FsRoot& fs, pid_t pid,
                                                     const std::string& controller) {
    const std::string proc = "proc/" + std::to_string(pid);
    auto cgroups = fs.read(proc + "/cgroup");
    if (!cgroups) return std::nullopt;
    std::optional<std::string> v1Path, v2Path;
    for (auto line : lines(*cgroups)) {
        // hierarchy-id:controller-list:path (the path itself may contain ':')
        auto c1 = line.find(':');
        if (c1 == std::string_view::npos) continue;
        auto c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        auto id = line.substr(0, c1);
        auto controllers = line.substr(c1 + 1, c2 - c1 - 1);
        std::string path(trim(line.substr(c2 + 1)));
        if (path.empty()) continue;
        if (hasListItem(controllers, controller, ',')) v1Path = path;
        if (id == "0" && controllers.empty()) v2Path = path;
    }
    std::vector<MountEntry> mounts;
    if (auto mi = fs.read(proc + "/mountinfo", 1024 * 1024)) mounts = parseMountinfo(*mi);

    if (v1Path) {
        auto m = std::find_if(mounts.begin(), mounts.end(), [&](const MountEntry& e) {
            return e.fsType == "cgroup" && hasListItem(e.superOptions, controller, ',');
        });
        CgroupLocation loc;
        loc.base = m != mounts.end() ? relativeMount(m->mountPoint) : "sys/fs/cgroup/" + controller;
        loc.path = insideMount(*v1Path, m != mounts.end() ? m->root : "/");
        if (fs.exists(dirOf(loc, loc.path))) return loc;
    }
    if (v2Path) {
        std::vector<std::pair<std::string, std::string>> candidates;  // base, mount root
        for (const auto& m : mounts)
            if (m.fsType == "cgroup2") candidates.emplace_back(relativeMount(m.mountPoint), m.root);
        if (mounts.empty()) {  // no mountinfo: the unified and the hybrid layouts' usual places
            candidates.emplace_back("sys/fs/cgroup", "/");
            candidates.emplace_back("sys/fs/cgroup/unified", "/");
        }
        for (const auto& [base, root] : candidates) {
            auto controllers = fs.read(base + "/cgroup.controllers");
            if (!controllers || !hasListItem(trim(*controllers), controller, ' ')) continue;
            CgroupLocation loc{base, insideMount(*v2Path, root), true};
            if (fs.exists(dirOf(loc, loc.path))) return loc;
        }
    }
    return std::nullopt;
}

std::optional<LimitDimension> probePidsCgroup(const FsRoot& fs, pid_t self, const ProcessTable& table,
                                              PidsConsumers consumers) {
    auto loc = locatePidsCgroup(fs, self);
    if (!loc) return std::nullopt;

    std::vector<Level> levels;  // the daemon's cgroup first, the hierarchy root last
    for (std::string path = loc->path;; path = parentOf(path)) {
        levels.push_back(readLevel(fs, *loc, path));
        if (path == "/") break;
    }
    const Level* binding = nullptr;
    std::uint64_t bindingRoom = 0;
    for (const auto& l : levels) {
        if (!l.max || *l.max == 0 || !l.current) continue;
        std::uint64_t room = *l.max > *l.current ? *l.max - *l.current : 0;
        if (!binding || room < bindingRoom) {  // ties keep the innermost
            binding = &l;
            bindingRoom = room;
        }
    }

    LimitDimension d;
    d.id = "pids-cgroup";
    const Level& shown = binding ? *binding : levels.front();
    d.title = "pids cgroup " + shown.path;
    d.source = fs.path(dirOf(*loc, shown.path) + (binding ? "/pids.max" : ""));
    if (binding) {
        d.used = *binding->current;
        d.limit = *binding->max;
    } else {
        auto withCurrent =
            std::find_if(levels.begin(), levels.end(), [](const Level& l) { return l.current; });
        // The hierarchy root has no pids.current; it holds every task, which the /proc scan counted.
        d.used = withCurrent != levels.end() ? *withCurrent->current : table.totalThreads;
        d.limit = 0;
    }
    d.percent = percentOf(d.used, d.limit);
    // Older kernels count a refusal in the cgroup of the task that forked, newer ones also in the
    // cgroup whose limit refused it; the largest count between the two is the best single number.
    const std::size_t last = binding ? static_cast<std::size_t>(binding - levels.data()) : 0;
    for (std::size_t i = 0; i <= last; ++i) d.hitCount = std::max(d.hitCount, levels[i].events);
    if (consumers == PidsConsumers::List) d.top = subtreeConsumers(fs, *loc, shown.path, table);

    std::string unit = systemdUnitOf(shown.path);
    if (!binding && loc->path == "/")
        d.note = "the daemon is in the root pids cgroup, which has no pids.max";
    else if (!binding)
        d.note = "no pids.max between " + loc->path + " and the hierarchy root";
    else if (!unit.empty())
        d.note = "systemd sets this pids.max from TasksMax= of " + unit;
    if (binding && binding != &levels.front()) {
        if (!d.note.empty()) d.note += "; ";
        d.note += "the limit is on an ancestor of the daemon's cgroup " + loc->path;
    }
    return d;
}

std::string systemdUnitOf(std::string_view cgroupPath) {
    auto slash = cgroupPath.find_last_of('/');
    std::string_view last = slash == std::string_view::npos ? cgroupPath : cgroupPath.substr(slash + 1);
    for (std::string_view suffix : {".service", ".scope", ".slice", ".socket", ".mount", ".swap"}) {
        if (last.size() > suffix.size() && last.substr(last.size() - suffix.size()) == suffix)
            return std::string(last);
    }
    return "";
}

}  // namespace sup::os::limits
