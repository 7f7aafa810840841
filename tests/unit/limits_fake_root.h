// A fake machine for the tests of daemon/os/limits: a temp dir holding proc/, sys/fs/cgroup/ and
// etc/ as the kernel and the system would lay them out, built file by file by each test.
#pragma once

#include <sys/types.h>

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "os/limits/FsRoot.h"

namespace sup::os::limits::test {

struct FakeProcess {
    pid_t pid = 0;
    pid_t ppid = 1;
    uid_t uid = 0;
    std::string comm = "sleep";
    char state = 'S';
    std::uint64_t threads = 1;
};

class FakeRoot {
  public:
    FakeRoot() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sup-limits-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
    }
    ~FakeRoot() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    FakeRoot(const FakeRoot&) = delete;
    FakeRoot& operator=(const FakeRoot&) = delete;

    const std::string& dir() const { return dir_; }
    FsRoot fs() const { return FsRoot(dir_); }

    void write(const std::string& rel, const std::string& text) {
        auto p = std::filesystem::path(dir_) / rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + p.string());
    }
    void mkdir(const std::string& rel) {
        std::filesystem::create_directories(std::filesystem::path(dir_) / rel);
    }
    void symlink(const std::string& target, const std::string& rel) {
        auto p = std::filesystem::path(dir_) / rel;
        std::filesystem::create_directories(p.parent_path());
        std::filesystem::create_symlink(target, p);
    }

    // proc/<pid>/status as the kernel writes it (the fields ProcTable reads, plus noise).
    void addProcess(const FakeProcess& p) {
        const std::string u = std::to_string(p.uid);
        write(proc(p.pid) + "/status",
              "Name:\t" + p.comm + "\nUmask:\t0022\nState:\t" + std::string(1, p.state) +
                  " (whatever)\nTgid:\t" + std::to_string(p.pid) + "\nPid:\t" + std::to_string(p.pid) +
                  "\nPPid:\t" + std::to_string(p.ppid) + "\nUid:\t" + u + "\t" + u + "\t" + u + "\t" + u +
                  "\nGid:\t0\t0\t0\t0\nThreads:\t" + std::to_string(p.threads) + "\nVmRSS:\t  1024 kB\n");
    }
    // proc/<pid>/limits with the two rows the probes read ("unlimited" for 0).
    void setLimits(pid_t pid, std::uint64_t nproc, std::uint64_t nofile) {
        auto v = [](std::uint64_t x) { return x == 0 ? std::string("unlimited") : std::to_string(x); };
        auto row = [](std::string name, const std::string& soft, const std::string& hard,
                      const std::string& unit) {
            name.resize(26, ' ');
            std::string s = soft, h = hard;
            s.resize(21, ' ');
            h.resize(21, ' ');
            return name + s + h + unit + "\n";
        };
        write(proc(pid) + "/limits", row("Limit", "Soft Limit", "Hard Limit", "Units     ") +
                                         row("Max cpu time", "unlimited", "unlimited", "seconds   ") +
                                         row("Max processes", v(nproc), v(nproc), "processes ") +
                                         row("Max open files", v(nofile), v(nofile), "files     ") +
                                         row("Max pending signals", "7823", "7823", "signals   "));
    }
    // n entries in proc/<pid>/fd (symlinks to "/dev/null") and matching fdinfo with `flags`.
    void addFds(pid_t pid, int from, int n, const std::string& target = "/dev/null", unsigned flags = 02) {
        for (int fd = from; fd < from + n; ++fd) addFd(pid, fd, target, flags);
    }
    void addFd(pid_t pid, int fd, const std::string& target, unsigned flags) {
        symlink(target, proc(pid) + "/fd/" + std::to_string(fd));
        char oct[32];
        std::snprintf(oct, sizeof oct, "0%o", flags);
        write(proc(pid) + "/fdinfo/" + std::to_string(fd),
              "pos:\t0\nflags:\t" + std::string(oct) + "\nmnt_id:\t15\n");
    }
    void setKernel(std::uint64_t threadsMax, std::uint64_t pidMax) {
        write("proc/sys/kernel/threads-max", std::to_string(threadsMax) + "\n");
        write("proc/sys/kernel/pid_max", std::to_string(pidMax) + "\n");
    }
    // A v1 pids cgroup (path "/" is the hierarchy root, which has no pids.max/current).
    void pidsCgroupV1(const std::string& path, const std::string& max, std::uint64_t current,
                      std::uint64_t events, const std::string& procs) {
        std::string d = "sys/fs/cgroup/pids" + (path == "/" ? std::string() : path);
        mkdir(d);
        if (path != "/") {
            write(d + "/pids.max", max + "\n");
            write(d + "/pids.current", std::to_string(current) + "\n");
            write(d + "/pids.events", "max " + std::to_string(events) + "\n");
        }
        write(d + "/cgroup.procs", procs);
        write(d + "/tasks", procs);
    }
    void passwd(const std::string& text) { write("etc/passwd", text); }

    static std::string proc(pid_t pid) { return "proc/" + std::to_string(pid); }

  private:
    std::string dir_;
};

inline constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

}  // namespace sup::os::limits::test
