// supctl tail: the last N lines of either stream, and -f following new output until interrupted.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// `supctl tail -f ...` as a child whose stdout we read while it runs.
class FollowingCtl {
  public:
    FollowingCtl(const TestBus& bus, const std::vector<std::string>& args) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0) throw std::runtime_error("pipe2");
        std::vector<std::string> argv = {SUPCTL_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        // Everything execve needs is built before fork: the child only dups and execs.
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "DBUS_SYSTEM_BUS_ADDRESS=", 24) != 0) env.emplace_back(*e);
        env.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + bus.address());
        env.push_back("NO_COLOR=1");
        std::vector<char*> cargv, cenv;
        for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
        cargv.push_back(nullptr);
        for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
        cenv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::execve(cargv[0], cargv.data(), cenv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        fd_ = fds[0];
    }
    ~FollowingCtl() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            wait(5s);
        }
        ::close(fd_);
    }

    // Reads until `pred(all output so far)` holds, EOF, or the deadline.
    bool readUntil(const std::function<bool(const std::string&)>& pred,
                   std::chrono::milliseconds timeout = 20s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred(out_)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            int n = ::poll(&p, 1, static_cast<int>(left.count()));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) continue;
            char buf[4096];
            ssize_t got = ::read(fd_, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return pred(out_);
            out_.append(buf, static_cast<std::size_t>(got));
        }
        return true;
    }

    // Exit code (128+N for a signal), -1 if it did not end in time.
    int wait(std::chrono::milliseconds timeout) {
        int code = -1;
        waitFor(
            [&] {
                int st = 0;
                if (::waitpid(pid_, &st, WNOHANG) != pid_) return false;
                reaped_ = true;
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                return true;
            },
            timeout);
        return code;
    }

    pid_t pid() const { return pid_; }
    const std::string& out() const { return out_; }

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    bool reaped_ = false;
    std::string out_;
};

int lastTick(const std::string& text) {
    auto pos = text.rfind("tick ");
    return pos == std::string::npos ? -1 : std::atoi(text.c_str() + pos + 5);
}

using CtlTail = DaemonTest;

TEST_F(CtlTail, LastLinesOfEitherStream) {
    startDaemon(R"(
services:
  printer:
    command: ["/bin/sh", "-c", "for i in $(seq 1 20); do echo out$i; echo err$i >&2; done; exec sleep 1000"]
    start_seconds: 0s
    stdout: memory
    stderr: memory
)");
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "--stderr", "printer"}).out.find("err20\n") != std::string::npos;
    }));
    auto three = daemon->ctl({"tail", "-n", "3", "printer"});
    EXPECT_EQ(three.exitCode, 0) << three.err;
    EXPECT_EQ(three.out, "out18\nout19\nout20\n");
    EXPECT_EQ(daemon->ctl({"tail", "printer"}).out.find("out10\n"), std::string::npos)
        << "default is 10 lines";
    EXPECT_EQ(daemon->ctl({"tail", "printer"}).out.rfind("out11\n", 0), 0u);
    EXPECT_EQ(daemon->ctl({"tail", "--stderr", "-n", "2", "printer"}).out, "err19\nerr20\n");
    EXPECT_EQ(daemon->ctl({"tail", "-n", "all", "printer"}).out.rfind("out1\n", 0), 0u);
    EXPECT_EQ(daemon->ctl({"tail", "nope"}).exitCode, 4);
}

// `null` is systemd's StandardOutput=null: /dev/null in the child, so nothing reaches the daemon or the
// tail (`memory` is the target that keeps output only for supctl tail). The child's fd is fixed at
// exec, so a reload that turns `null` into a captured target restarts the process.
TEST_F(CtlTail, NullIsDevNullInTheChildAndAReloadToMemoryRestartsIt) {
    const std::string service = R"(
services:
  quiet:
    command: ["/bin/sh", "-c", "echo out; fd1=$(readlink /proc/$$/fd/1); echo $fd1 >&2; echo done >&2; exec sleep 1000"]
    start_seconds: 0s
    stderr: memory
)";
    startDaemon(service + "    stdout: null\n");
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "--stderr", "quiet"}).out.find("done\n") != std::string::npos;
    })) << daemon->log();
    EXPECT_EQ(daemon->ctl({"tail", "--stderr", "quiet"}).out, "/dev/null\ndone\n");
    auto out = daemon->ctl({"tail", "quiet"});
    EXPECT_EQ(out.exitCode, 0) << out.err;
    EXPECT_EQ(out.out, "");

    const pid_t before = daemon->pidOf("quiet");
    writeFile(conf / "services.yaml", service + "    stdout: memory\n");
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(waitFor([&] { return daemon->ctl({"tail", "quiet"}).out == "out\n"; })) << daemon->log();
    EXPECT_NE(daemon->pidOf("quiet"), before) << "the process was restarted with a pipe for stdout";
    EXPECT_NE(daemon->ctl({"tail", "--stderr", "quiet"}).out.find("pipe:"), std::string::npos);
}

TEST_F(CtlTail, FollowPrintsNewLinesUntilInterrupted) {
    startDaemon(R"(
services:
  ticker:
    command: ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done"]
    start_seconds: 0s
    stdout: memory
)");
    std::string before;
    ASSERT_TRUE(waitFor([&] {
        before = daemon->ctl({"tail", "ticker"}).out;
        return lastTick(before) >= 3;
    }));
    FollowingCtl follower(bus, {"tail", "-f", "-n", "1", "ticker"});
    const int seenBefore = lastTick(before);
    // Lines written after it started arrive while it runs.
    ASSERT_TRUE(follower.readUntil([&](const std::string& out) { return lastTick(out) > seenBefore + 5; }))
        << follower.out();
    ASSERT_EQ(::kill(follower.pid(), SIGINT), 0);
    EXPECT_EQ(follower.wait(10s), 0) << "Ctrl-C ends tail -f cleanly";
}

TEST_F(CtlTail, FollowOfAnUnknownNameExitsFour) {
    startDaemon("services: {}\n");
    auto r = daemon->ctl({"tail", "-f", "nope"});
    EXPECT_EQ(r.exitCode, 4) << r.err;
}

}  // namespace
