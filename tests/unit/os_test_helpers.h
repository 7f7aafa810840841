// Helpers for the tests of single OS primitives (tests/unit/os_*_test.cpp) that fork real children.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <set>
#include <vector>

#include "os/OutputPipe.h"
#include "os/Reaper.h"
#include "os/Spawner.h"

namespace sup::os::test {

using namespace std::chrono_literals;
constexpr auto kDeadline = 20s;

// Descriptors open in this process (the directory iterator's own not counted).
inline std::size_t openFds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n - 1;
}

// Waits (polling, never blocking forever) for one specific child; SIGKILLs it at the deadline.
inline std::optional<ReapedChild> waitForChild(pid_t pid, std::chrono::milliseconds deadline = kDeadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        ReapedChild child;
        pid_t r = ::wait4(pid, &child.status, WNOHANG, &child.usage);
        if (r == pid) {
            child.pid = pid;
            return child;
        }
        if (r < 0 && errno != EINTR) return std::nullopt;
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::wait4(pid, &child.status, 0, &child.usage);
            return std::nullopt;
        }
        std::this_thread::sleep_for(5ms);
    }
}

// Reads until EOF (or the deadline) from a non-blocking fd.
inline std::string readUntilEof(int fd, std::chrono::milliseconds deadline = kDeadline) {
    std::string out;
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        ReadResult r = readSome(fd, out, 4096);
        if (r.eof) break;
    }
    return out;
}

// Whether fd becomes readable within `ms`.
inline bool readableWithin(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    int r;
    do r = ::poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A fresh directory under /tmp, removed with everything in it when the object goes.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sup-os-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// Waits (polling) until `pid` has ended, leaving it a zombie (WNOWAIT) so a reaper under test can collect
// it. False at the deadline.
inline bool waitExitedUnreaped(pid_t pid, std::chrono::milliseconds deadline = kDeadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        siginfo_t info{};
        int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
        if (r == 0 && info.si_pid == pid) return true;
        if (r < 0 && errno != EINTR) return false;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

// Forks a child that runs `body` and _exit()s with its result. The child never returns into gtest.
template <typename Body>
pid_t forkChild(Body body) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) ::_exit(body());
    return pid;
}

// Everything a spawned child left behind: its exec status, what it wrote to stdout, how it ended.
struct SpawnOutcome {
    bool spawned = false;               // false: SpawnResult::error was set (no child)
    std::optional<SpawnError> error;    // the launch error, or the child's pre-exec failure
    std::string stdoutText;             // empty when the request had its own stdoutFd
    std::optional<ReapedChild> reaped;  // nullopt: not reaped within the deadline
    pid_t pid = -1;
};

// Spawns `request` with stdout on a fresh pipe (unless it names its own), reads it to EOF, reads the exec
// status and reaps the child, all with deadlines.
inline SpawnOutcome spawnAndCollect(SpawnRequest request, std::optional<rlimit> childNofile = std::nullopt) {
    SpawnOutcome outcome;
    std::optional<OutputPipe> pipe;
    if (request.stdoutFd < 0) {
        pipe = OutputPipe::create();
        request.stdoutFd = pipe->writeEnd.get();
    }
    ForkExecLauncher launcher(childNofile);
    SpawnResult result = launcher.spawn(request);
    if (pipe) pipe->writeEnd.reset();  // the child holds the only write end now: EOF when it ends
    if (result.error) {
        outcome.error = result.error;
        return outcome;
    }
    outcome.spawned = true;
    outcome.pid = result.pid;
    if (pipe) outcome.stdoutText = readUntilEof(pipe->readEnd.get());
    outcome.error = result.execError;
    outcome.reaped = waitForChild(result.pid);
    return outcome;
}

// A request with a small, known environment and no inherited surprises.
inline SpawnRequest requestFor(std::vector<std::string> argv) {
    SpawnRequest r;
    r.argv = std::move(argv);
    r.env = {"PATH=/usr/bin:/bin"};
    return r;
}

// The value of a "Key:\tvalue" line of /proc/<pid>/status, "" when absent.
inline std::string procStatusField(pid_t pid, const std::string& key) {
    std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key + ":", 0) != 0) continue;
        size_t start = line.find_first_not_of(" \t", key.size() + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    }
    return {};
}

// Restores the calling thread's signal mask and the dispositions of the given signals, so a test that
// blocks or ignores signals cannot leak that state into the next test of the same binary.
class SignalStateGuard {
  public:
    explicit SignalStateGuard(std::vector<int> signals) : signals_(std::move(signals)) {
        ::sigprocmask(SIG_SETMASK, nullptr, &mask_);
        for (int sig : signals_) {
            struct sigaction old {};
            ::sigaction(sig, nullptr, &old);
            actions_.push_back(old);
        }
    }
    ~SignalStateGuard() {
        // A signal the test left pending would be delivered the moment the old mask returns, and the
        // default action of most (SIGUSR1, SIGTERM) ends the test binary: consume those first.
        sigset_t pending;
        ::sigpending(&pending);
        for (int sig : signals_) {
            if (!::sigismember(&pending, sig) || ::sigismember(&mask_, sig)) continue;
            sigset_t one;
            ::sigemptyset(&one);
            ::sigaddset(&one, sig);
            timespec zero{};
            // Realtime signals queue: take every instance.
            while (::sigtimedwait(&one, nullptr, &zero) == sig) continue;
        }
        for (size_t i = 0; i < signals_.size(); ++i) ::sigaction(signals_[i], &actions_[i], nullptr);
        ::sigprocmask(SIG_SETMASK, &mask_, nullptr);
    }
    SignalStateGuard(const SignalStateGuard&) = delete;
    SignalStateGuard& operator=(const SignalStateGuard&) = delete;

  private:
    std::vector<int> signals_;
    std::vector<struct sigaction> actions_;
    sigset_t mask_{};
};

}  // namespace sup::os::test
