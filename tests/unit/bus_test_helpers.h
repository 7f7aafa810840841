// Helpers for the D-Bus tests: a private dbus-daemon that any uid may use, and ways to wait for a
// client (a thread or a child process) while the test thread pumps the daemon's EventLoop.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "os/EventLoop.h"

extern char** environ;

namespace sup::bus::test {

using namespace std::chrono_literals;
constexpr auto kDeadline = 15s;

// Runs `step` until `done()` holds or the deadline passes; says which.
template <typename Done>
bool pumpUntil(os::EventLoop& loop, Done&& done, std::chrono::milliseconds deadline = kDeadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        loop.runOnce(10);
    }
    return true;
}

// Runs `call` on another thread (a blocking D-Bus client) while this thread serves the bus.
// Rethrows what the call threw (sdbus::Error for an error reply).
template <typename Call>
auto callPumping(os::EventLoop& loop, Call&& call) {
    auto result = std::async(std::launch::async, std::forward<Call>(call));
    if (!pumpUntil(loop, [&] { return result.wait_for(0ms) == std::future_status::ready; }))
        ADD_FAILURE() << "D-Bus call did not finish in time";
    while (result.wait_for(0ms) != std::future_status::ready) loop.runOnce(10);  // until the call times out
    return result.get();
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string name_;
    std::optional<std::string> old_;
};

// A dbus-daemon of our own on a socket in a temporary directory, open to every uid (the normal
// session config admits only its owner), exported as DBUS_SYSTEM_BUS_ADDRESS while it lives.
class PrivateBus {
  public:
    PrivateBus() {
        char tmpl[] = "/tmp/sup-bus-test-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        ::chmod(dir_.c_str(), 0755);  // nobody must reach the socket
        start();
    }

    // A new dbus-daemon on the same socket after kill(), as `systemctl restart dbus` gives; the
    // environment then names it (its guid is new, and sd-bus refuses a server whose guid differs).
    void restart() {
        kill();
        env_.reset();
        start();
    }

  private:
    void start() {
        const std::string socket = dir_ + "/bus.sock";
        std::ofstream(dir_ + "/bus.conf")
            << "<busconfig><type>custom</type><listen>unix:path=" << socket
            << "</listen><auth>EXTERNAL</auth>"
            << "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
            << "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow "
               "eavesdrop=\"true\"/></policy></busconfig>\n";

        int p[2];
        if (::pipe2(p, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 failed");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, p[1], 3);  // dup2 clears CLOEXEC on fd 3
        posix_spawn_file_actions_addopen(&actions, 1, (dir_ + "/bus.log").c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::vector<std::string> args{"dbus-daemon", "--config-file=" + dir_ + "/bus.conf", "--nofork",
                                      "--print-address=3"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int rc = ::posix_spawnp(&pid_, "dbus-daemon", &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(p[1]);
        if (rc != 0) {
            ::close(p[0]);
            throw std::runtime_error("cannot run dbus-daemon");
        }
        address_ = readLine(p[0]);
        ::close(p[0]);
        if (address_.empty()) throw std::runtime_error("dbus-daemon printed no address");
        ::chmod(socket.c_str(), 0777);
        env_.emplace("DBUS_SYSTEM_BUS_ADDRESS", address_);
    }

  public:
    ~PrivateBus() {
        kill();
        env_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    const std::string& address() const { return address_; }
    const std::string& dir() const { return dir_; }

    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

  private:
    static std::string readLine(int fd) {
        std::string line;
        auto until = std::chrono::steady_clock::now() + kDeadline;
        while (std::chrono::steady_clock::now() < until) {
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 100) <= 0) continue;
            char c;
            ssize_t n = ::read(fd, &c, 1);
            if (n <= 0 || c == '\n') break;
            line += c;
        }
        return line;
    }

    std::string dir_;
    std::string address_;
    pid_t pid_ = -1;
    std::optional<ScopedEnv> env_;
};

struct CommandResult {
    int exitCode = -1;
    std::string output;  // stdout and stderr together
};

// Runs a command (a third-party D-Bus client) to completion while this thread serves the bus.
inline CommandResult runPumping(os::EventLoop& loop, const std::vector<std::string>& args,
                                const std::string& scratchDir) {
    static int counter = 0;
    const std::string out = scratchDir + "/cmd-" + std::to_string(++counter) + ".out";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot run " + args[0]);
    int status = 0;
    bool exited = pumpUntil(loop, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        ADD_FAILURE() << args[0] << " did not finish in time";
    }
    CommandResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    result.output = text.str();
    return result;
}

}  // namespace sup::bus::test
