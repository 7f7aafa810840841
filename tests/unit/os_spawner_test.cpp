// ForkExecLauncher with real children: failures reported by stage, and the world the
// child starts in (fds, signals, session, environment, umask, PATH lookup).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "os/FdUtil.h"
#include "os/Spawner.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

// The fd numbers a process lists in its own /proc/self/fd. `ls` opens that directory itself, on the lowest
// free number, so a child holding only 0, 1, 2 lists exactly 0 1 2 3.
std::set<int> fdNumbers(const std::string& listing) {
    std::set<int> out;
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(std::stoi(line));
    return out;
}

// The child has exec'd when spawn() returns without an exec error: only then is its /proc view the
// service's.
void expectExeced(const SpawnResult& result) {
    ASSERT_FALSE(result.error) << result.error->describe();
    ASSERT_FALSE(result.execError) << result.execError->describe();
}

// Kills and reaps a spawned child when the test ends, however it ends, so no `sleep 30` outlives it.
struct ChildReaper {
    pid_t pid;
    ~ChildReaper() {
        if (pid <= 0) return;  // kill(-1) would signal every process we may signal
        ::kill(pid, SIGKILL);
        (void)waitForChild(pid);
    }
    std::optional<ReapedChild> reap() {
        auto end = waitForChild(pid);
        pid = -1;
        return end;
    }
};

TEST(Spawner, MissingBinaryIsExecEnoentAndChildExits127) {
    const std::string program = "/nonexistent-sup-dir/no-such-binary";
    SpawnOutcome o = spawnAndCollect(requestFor({program, "arg"}));
    ASSERT_TRUE(o.spawned);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->stage, "exec");
    EXPECT_EQ(o.error->err, ENOENT);
    EXPECT_EQ(o.error->detail, program);
    EXPECT_EQ(o.error->describe(), "exec " + program + ": No such file or directory");
    EXPECT_FALSE(o.error->transient());
    ASSERT_TRUE(o.reaped) << "child not reaped";
    EXPECT_TRUE(WIFEXITED(o.reaped->status));
    EXPECT_EQ(WEXITSTATUS(o.reaped->status), 127);
}

TEST(Spawner, ProgramMissingFromEveryPathEntryNamesTheProgram) {
    SpawnOutcome o = spawnAndCollect(requestFor({"sup-no-such-program-xyz"}));
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->stage, "exec");
    EXPECT_EQ(o.error->err, ENOENT);
    EXPECT_EQ(o.error->detail, "sup-no-such-program-xyz");
    ASSERT_TRUE(o.reaped);
    EXPECT_EQ(WEXITSTATUS(o.reaped->status), 127);
}

TEST(Spawner, MissingDirectoryIsChdirFailure) {
    SpawnRequest r = requestFor({"/bin/true"});
    r.directory = "/nonexistent-sup-dir/work";
    SpawnOutcome o = spawnAndCollect(r);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->stage, "chdir");
    EXPECT_EQ(o.error->err, ENOENT);
    EXPECT_EQ(o.error->detail, r.directory);
    EXPECT_NE(o.error->describe().find(r.directory), std::string::npos);
    ASSERT_TRUE(o.reaped);
    EXPECT_EQ(WEXITSTATUS(o.reaped->status), 127);
}

TEST(Spawner, DirectoryIsTheChildsWorkingDirectory) {
    TempDir dir;
    SpawnRequest r = requestFor({"/bin/pwd"});
    r.directory = dir.path();
    SpawnOutcome o = spawnAndCollect(r);
    EXPECT_FALSE(o.error) << o.error->describe();
    EXPECT_EQ(o.stdoutText, std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(Spawner, SuccessfulExecReportsNothingAndReturnsPidfd) {
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(requestFor({"/bin/sleep", "30"}));
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_GT(result.pid, 0);
    ASSERT_TRUE(result.pidfd) << "kernel without pidfds?";
    int fdFlags = ::fcntl(result.pidfd.get(), F_GETFD);
    EXPECT_TRUE(fdFlags & FD_CLOEXEC);
}

TEST(Spawner, EmptyArgvIsRejectedWithoutFork) {
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(SpawnRequest{});
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->stage, "argv");
    EXPECT_EQ(result.pid, -1);
}

TEST(Spawner, ChildSeesOnlyStdioEvenWhenParentLeaksAnFd) {
    // Deliberately without O_CLOEXEC: the spawner, not the flag, must keep it from the child.
    UniqueFd leaked(::open("/dev/null", O_RDONLY));
    ASSERT_TRUE(leaked);
    int leakedFlags = ::fcntl(leaked.get(), F_GETFD);
    ASSERT_FALSE(leakedFlags & FD_CLOEXEC);
    // And one sitting on a low number, where the spawner parks its own fds.
    UniqueFd low(::fcntl(leaked.get(), F_DUPFD, 3));
    ASSERT_TRUE(low);

    SpawnOutcome o = spawnAndCollect(requestFor({"/bin/ls", "-1", "/proc/self/fd"}));
    EXPECT_FALSE(o.error) << o.error->describe();
    EXPECT_EQ(fdNumbers(o.stdoutText), (std::set<int>{0, 1, 2, 3})) << o.stdoutText;
    ASSERT_TRUE(o.reaped);
    EXPECT_EQ(WEXITSTATUS(o.reaped->status), 0);
}

// The child shares the daemon's fd table (CLONE_FILES) until it takes a private copy of the low fds, so
// its dup2 onto 0, 1 and 2 must not reach the daemon's own stdio: without that copy, the daemon's
// stdout would become the child's pipe.
TEST(Spawner, ChildsStdioSetupLeavesTheParentsFdsAlone) {
    auto identity = [](int fd) {
        struct stat st {};
        EXPECT_EQ(::fstat(fd, &st), 0) << fd;
        return std::pair{st.st_dev, st.st_ino};
    };
    const auto stdinBefore = identity(0), stdoutBefore = identity(1), stderrBefore = identity(2);
    OutputPipe out = OutputPipe::create();
    SpawnRequest r = requestFor({"/bin/sh", "-c", "echo hi"});
    r.stdoutFd = out.writeEnd.get();
    r.stderrFd = out.writeEnd.get();
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(r);
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_EQ(identity(0), stdinBefore);
    EXPECT_EQ(identity(1), stdoutBefore);
    EXPECT_EQ(identity(2), stderrBefore);
    out.writeEnd.reset();
    EXPECT_EQ(readUntilEof(out.readEnd.get()), "hi\n");
    ASSERT_TRUE(reaper.reap());
}

// What the daemon keeps per service sits at or above kLongLivedFdFloor, and a child sees none of it, be
// it shared (fresh fds low) or copied (a needed fd above the floor).
TEST(Spawner, LongLivedFdsAreParkedHighAndNotInherited) {
    OutputPipe kept = OutputPipe::create();
    ASSERT_GE(kept.readEnd.get(), kLongLivedFdFloor);
    UniqueFd parked(::open("/dev/null", O_RDONLY));  // not close-on-exec, on purpose
    ASSERT_TRUE(parked);
    parkLongLived(parked);
    ASSERT_GE(parked.get(), kLongLivedFdFloor);
    EXPECT_EQ(::fcntl(parked.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    SpawnOutcome o = spawnAndCollect(requestFor({"/bin/ls", "-1", "/proc/self/fd"}));
    EXPECT_FALSE(o.error) << o.error->describe();
    EXPECT_EQ(fdNumbers(o.stdoutText), (std::set<int>{0, 1, 2, 3})) << o.stdoutText;

    // A stdout source above the floor: the spawn falls back to copying the whole table.
    OutputPipe high = OutputPipe::create();
    UniqueFd highWrite(::fcntl(high.writeEnd.get(), F_DUPFD_CLOEXEC, kLongLivedFdFloor + 100));
    ASSERT_TRUE(highWrite);
    high.writeEnd.reset();
    SpawnRequest r = requestFor({"/bin/ls", "-1", "/proc/self/fd"});
    r.stdoutFd = highWrite.get();
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(r);
    highWrite.reset();
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_EQ(fdNumbers(readUntilEof(high.readEnd.get())), (std::set<int>{0, 1, 2, 3}));
    ASSERT_TRUE(reaper.reap());
}

// The daemon raises its own RLIMIT_NOFILE (os/NofileLimit.h); children get the original soft limit,
// as under systemd, so select()-based programs keep the 1024 they expect.
TEST(Spawner, ChildGetsTheGivenNofileLimit) {
    rlimit mine{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
    ASSERT_GE(mine.rlim_max, 64u);
    SpawnOutcome o =
        spawnAndCollect(requestFor({"/bin/sh", "-c", "ulimit -Sn; ulimit -Hn"}), rlimit{64, mine.rlim_max});
    EXPECT_FALSE(o.error) << o.error->describe();
    const std::string hard = mine.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(mine.rlim_max);
    EXPECT_EQ(o.stdoutText, "64\n" + hard + "\n");
}

TEST(Spawner, StdoutAndStderrLandOnTheGivenFds) {
    OutputPipe out = OutputPipe::create(), err = OutputPipe::create();
    SpawnRequest r = requestFor({"/bin/sh", "-c", "echo to-out; echo to-err >&2; read x || echo stdin-eof"});
    r.stdoutFd = out.writeEnd.get();
    r.stderrFd = err.writeEnd.get();
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(r);
    out.writeEnd.reset();
    err.writeEnd.reset();
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_EQ(readUntilEof(out.readEnd.get()), "to-out\nstdin-eof\n");  // stdin is /dev/null
    EXPECT_EQ(readUntilEof(err.readEnd.get()), "to-err\n");
    auto end = reaper.reap();
    ASSERT_TRUE(end);
    EXPECT_EQ(WEXITSTATUS(end->status), 0);
}

TEST(Spawner, ChildStdoutIsBlockingEvenIfParentsWriteEndWasNot) {
    OutputPipe out = OutputPipe::create();
    setNonBlocking(out.writeEnd.get(), true);
    SpawnRequest r = requestFor({"/bin/cat", "/proc/self/fdinfo/1"});
    r.stdoutFd = out.writeEnd.get();
    SpawnOutcome o = spawnAndCollect(r);
    out.writeEnd.reset();
    std::string info = readUntilEof(out.readEnd.get());
    EXPECT_FALSE(o.error) << o.error->describe();

    size_t at = info.find("flags:");
    ASSERT_NE(at, std::string::npos) << info;
    int flags = std::stoi(info.substr(at + 6), nullptr, 8);  // fdinfo prints the flags in octal
    EXPECT_EQ(flags & O_NONBLOCK, 0) << info;
    EXPECT_EQ(flags & O_ACCMODE, O_WRONLY) << info;
}

TEST(Spawner, ChildStartsWithEmptySignalMaskAndDefaultDispositions) {
    SignalStateGuard guard({SIGUSR1, SIGUSR2, SIGTERM, SIGPIPE, SIGHUP});
    sigset_t block;
    ::sigemptyset(&block);
    ::sigaddset(&block, SIGUSR1);
    ::sigaddset(&block, SIGTERM);
    ASSERT_EQ(::sigprocmask(SIG_BLOCK, &block, nullptr), 0);
    ASSERT_NE(::signal(SIGPIPE, SIG_IGN), SIG_ERR);
    ASSERT_NE(::signal(SIGHUP, SIG_IGN), SIG_ERR);
    // A caught signal resets to default at exec anyway; an ignored one would survive exec.
    ASSERT_NE(::signal(SIGUSR2, SIG_IGN), SIG_ERR);

    // Without the spawner's reset, this is what the child would show (blocked and ignored survive exec).
    pid_t self = ::getpid();
    ASSERT_NE(procStatusField(self, "SigBlk"), "0000000000000000");
    ASSERT_NE(procStatusField(self, "SigIgn"), "0000000000000000");

    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(requestFor({"/bin/sleep", "30"}));
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_EQ(procStatusField(result.pid, "SigBlk"), "0000000000000000");
    EXPECT_EQ(procStatusField(result.pid, "SigIgn"), "0000000000000000");
}

TEST(Spawner, ChildLeadsItsOwnSessionAndProcessGroup) {
    ForkExecLauncher launcher;
    SpawnResult result = launcher.spawn(requestFor({"/bin/sleep", "30"}));
    ChildReaper reaper{result.pid};
    ASSERT_NO_FATAL_FAILURE(expectExeced(result));
    EXPECT_EQ(::getsid(result.pid), result.pid);
    EXPECT_EQ(::getpgid(result.pid), result.pid);
    EXPECT_NE(::getsid(result.pid), ::getsid(0));
}

TEST(Spawner, EnvironmentIsExactlyTheGivenOne) {
    ASSERT_EQ(::setenv("SUP_TEST_PARENT_ONLY", "leak", 1), 0);
    SpawnRequest r = requestFor({"/usr/bin/env"});
    r.env = {"FOO=bar", "SUP_SPACES=a b  c", "EMPTY="};
    SpawnOutcome o = spawnAndCollect(r);
    ::unsetenv("SUP_TEST_PARENT_ONLY");
    EXPECT_FALSE(o.error) << o.error->describe();
    EXPECT_EQ(o.stdoutText, "FOO=bar\nSUP_SPACES=a b  c\nEMPTY=\n");
}

// As systemd: beside WATCHDOG_USEC, WATCHDOG_PID names the service's own process, so what it starts
// (inheriting the environment) sees that the watchdog is not theirs (sd_watchdog_enabled(3)).
TEST(Spawner, WatchdogPidIsTheChildsOwnPidAndReplacesAnInheritedOne) {
    SpawnRequest r =
        requestFor({"/bin/sh", "-c", "echo \"$WATCHDOG_PID $$\"; /bin/sh -c 'echo \"$WATCHDOG_PID $$\"'"});
    r.env = {"WATCHDOG_USEC=1000000", "WATCHDOG_PID=1"};
    r.watchdogPid = true;
    SpawnOutcome o = spawnAndCollect(r);
    ASSERT_FALSE(o.error) << o.error->describe();
    std::istringstream lines(o.stdoutText);
    std::string wdOfService, service, wdOfChild, child;
    lines >> wdOfService >> service >> wdOfChild >> child;
    EXPECT_EQ(wdOfService, std::to_string(o.pid)) << o.stdoutText;
    EXPECT_EQ(service, std::to_string(o.pid)) << o.stdoutText;
    EXPECT_EQ(wdOfChild, std::to_string(o.pid)) << "the service's child must see the service's pid";
    EXPECT_NE(child, wdOfChild) << o.stdoutText;
    EXPECT_EQ(o.stdoutText.find("WATCHDOG_PID=1"), std::string::npos);

    r.watchdogPid = false;  // without a watchdog the environment is exactly the given one
    r.argv = {"/usr/bin/env"};
    EXPECT_EQ(spawnAndCollect(r).stdoutText, "WATCHDOG_USEC=1000000\nWATCHDOG_PID=1\n");
}

TEST(Spawner, UmaskIsApplied) {
    mode_t old = ::umask(022);
    SpawnRequest r = requestFor({"/bin/sh", "-c", "umask"});
    r.umask = 0077;
    SpawnOutcome o = spawnAndCollect(r);
    r.umask.reset();
    SpawnOutcome inherited = spawnAndCollect(r);
    ::umask(old);
    EXPECT_EQ(o.stdoutText, "0077\n");
    EXPECT_EQ(inherited.stdoutText, "0022\n");
}

TEST(Spawner, ProgramWithoutSlashIsSearchedInTheRequestsPath) {
    TempDir first, second;
    // The same name, not executable, earlier in PATH: skipped like execvp does.
    {
        std::ofstream(first / "sup-test-prog") << "#!/bin/sh\necho wrong\n";
        ASSERT_EQ(::chmod((first / "sup-test-prog").c_str(), 0644), 0);
        std::ofstream(second / "sup-test-prog") << "#!/bin/sh\necho found \"$1\"\n";
        ASSERT_EQ(::chmod((second / "sup-test-prog").c_str(), 0755), 0);
    }
    SpawnRequest r = requestFor({"sup-test-prog", "x y"});
    r.env = {"PATH=/nonexistent-sup-dir:" + first.path() + ":" + second.path()};
    SpawnOutcome o = spawnAndCollect(r);
    EXPECT_FALSE(o.error) << o.error->describe();
    EXPECT_EQ(o.stdoutText, "found x y\n");
}

TEST(Spawner, PathSearchUsesTheServicesPathNotTheDaemons) {
    TempDir empty;
    SpawnRequest r = requestFor({"sh", "-c", "true"});
    r.env = {"PATH=" + empty.path()};  // the daemon's PATH would find /bin/sh
    SpawnOutcome o = spawnAndCollect(r);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->stage, "exec");
    EXPECT_EQ(o.error->err, ENOENT);
    EXPECT_EQ(o.error->detail, "sh");
}

TEST(Spawner, OnlyNonExecutableMatchIsReportedAsEacces) {
    TempDir dir;
    std::ofstream(dir / "sup-test-prog") << "#!/bin/sh\n";
    ASSERT_EQ(::chmod((dir / "sup-test-prog").c_str(), 0644), 0);
    SpawnRequest r = requestFor({"sup-test-prog"});
    r.env = {"PATH=" + dir.path()};
    SpawnOutcome o = spawnAndCollect(r);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->stage, "exec");
    EXPECT_EQ(o.error->err, EACCES);
    EXPECT_EQ(o.error->detail, dir / "sup-test-prog");
}

TEST(SpawnError, TransientOnlyForResourceShortage) {
    EXPECT_TRUE((SpawnError{"fork", EAGAIN, "x"}.transient()));
    EXPECT_TRUE((SpawnError{"fork", ENOMEM, "x"}.transient()));
    EXPECT_TRUE((SpawnError{"exec", EAGAIN, "x"}.transient()));
    EXPECT_TRUE((SpawnError{"setuid", EAGAIN, "uid 1000"}.transient()));
    EXPECT_TRUE((SpawnError{"exec", ENOMEM, "x"}.transient()));
    EXPECT_TRUE((SpawnError{"setuid", ENOMEM, "uid 1000"}.transient()));
    EXPECT_FALSE((SpawnError{"exec", ENOENT, "x"}.transient()));
    EXPECT_FALSE((SpawnError{"fork", ENOENT, "x"}.transient()));
    EXPECT_FALSE((SpawnError{"chdir", ENOENT, "/x"}.transient()));
    EXPECT_FALSE((SpawnError{"setuid", EPERM, "uid 1000"}.transient()));
    // Out of fds for the notify socket is as passing as out of fds for a pipe.
    EXPECT_TRUE((SpawnError{"socket", EMFILE, "for NOTIFY_SOCKET"}.transient()));
    EXPECT_TRUE((SpawnError{"pipe", ENFILE, "output pipe"}.transient()));
    EXPECT_FALSE((SpawnError{"socket", EINVAL, "for NOTIFY_SOCKET"}.transient()));
}

TEST(SpawnError, DescribeWithoutDetail) {
    EXPECT_EQ((SpawnError{"setsid", EPERM, ""}.describe()), "setsid: Operation not permitted");
}

}  // namespace
}  // namespace sup::os::test
