// The daemon's side channels never take the services down, and what goes wrong there is visible:
// a journal that never reads stalls nothing, a missing journald is said once, a log file that cannot
// be opened shows in the status, an OOM kill is named as such, and a reload applies log_level.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include "integration/CiSkip.h"
#include "integration/DaemonTest.h"

using namespace sup::test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

// A v1 memory cgroup with a small limit, removed afterwards.
class MemoryCgroup {
  public:
    explicit MemoryCgroup(std::uint64_t limitBytes) {
        const std::string root = "/sys/fs/cgroup/memory";
        if (!std::filesystem::exists(root + "/cgroup.procs")) return;
        path_ = root + "/suptest-oom-" + std::to_string(::getpid());
        if (::mkdir(path_.c_str(), 0755) != 0 ||
            !write("memory.limit_in_bytes", std::to_string(limitBytes))) {
            ::rmdir(path_.c_str());
            path_.clear();
            return;
        }
        // No swap to escape into, where the kernel offers the knob.
        (void)write("memory.memsw.limit_in_bytes", std::to_string(limitBytes));
    }
    ~MemoryCgroup() {
        if (path_.empty()) return;
        waitFor([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; }, std::chrono::seconds(10));
    }
    bool ok() const { return !path_.empty(); }
    std::string procs() const { return path_ + "/cgroup.procs"; }

  private:
    bool write(const std::string& file, const std::string& value) {
        std::ofstream out(path_ + "/" + file);
        out << value;
        out.flush();
        return static_cast<bool>(out);
    }
    std::string path_;
};

class DaemonRuntime : public DaemonTest {
  protected:
    std::vector<std::string> markers;
    // Removed after TearDown has stopped the daemon in it.
    std::optional<MemoryCgroup> memoryCgroup;

    void startWith(const std::string& yaml, const DaemonOptions& options) {
        writeFile(conf / "services.yaml", yaml);
        daemon = std::make_unique<Daemon>(bus, conf.path(), options);
        ASSERT_TRUE(daemon->waitReady()) << daemon->log();
    }
    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        DaemonTest::TearDown();
    }
};

// ---- log_level on reload -------------------------------------------------------------------------

TEST_F(DaemonRuntime, AReloadAppliesLogLevel) {
    markers = {"/bin/sleep 6601"};
    DaemonOptions options;
    options.logLevelFromConfig = true;
    const std::string services =
        "services:\n  a:\n    command: [\"/bin/sleep\", \"6601\"]\n    start_seconds: 0s\n";
    startWith("supervisor:\n  log_level: info\n" + services, options);
    ASSERT_TRUE(daemon->waitState("a", "RUNNING")) << daemon->log();

    writeFile(conf / "services.yaml", "supervisor:\n  log_level: warn\n" + services);
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(waitFor([&] { return daemon->log().find("log level info -> warning") != std::string::npos; }))
        << daemon->log();
    // From now on the daemon's info lines are filtered: a second reload's summary is not logged.
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_EQ(daemon->ctl({"restart", "a"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(daemon->waitState("a", "RUNNING")) << daemon->log();
    EXPECT_EQ(count(daemon->log(), "reloaded "), 1u) << daemon->log();

    // Back to info: said at warn, and the next reload's summary is logged again.
    writeFile(conf / "services.yaml", "supervisor:\n  log_level: info\n" + services);
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    EXPECT_NE(daemon->log().find("log level warning -> info"), std::string::npos) << daemon->log();
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    EXPECT_TRUE(waitFor([&] { return count(daemon->log(), "reloaded ") == 2; })) << daemon->log();
}

TEST_F(DaemonRuntime, LogLevelOnTheCommandLineWinsOverAReload) {
    markers = {"/bin/sleep 6602"};
    const std::string services =
        "services:\n  a:\n    command: [\"/bin/sleep\", \"6602\"]\n    start_seconds: 0s\n";
    startWith("supervisor:\n  log_level: info\n" + services, {});  // the harness passes --log-level debug
    writeFile(conf / "services.yaml", "supervisor:\n  log_level: error\n" + services);
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    EXPECT_TRUE(waitFor([&] { return count(daemon->log(), "reloaded ") == 2; })) << daemon->log();
    EXPECT_EQ(daemon->log().find("log level "), std::string::npos) << daemon->log();
}

// ---- numprocs 1 <-> N ---------------------------------------------------------------------------

// Before: every instance was replaced (w stopped, w@0 and w@1 started); now only instances are added
// or removed, and index 0 keeps its process under its new name.
TEST_F(DaemonRuntime, NumprocsOneToTwoAndBackKeepsTheProcessOfIndexZero) {
    markers = {"/bin/sleep 6607"};
    const auto yaml = [](unsigned n) {
        return "services:\n  w:\n    command: [\"/bin/sleep\", \"6607\"]\n    start_seconds: 0s\n    "
               "numprocs: " +
               std::to_string(n) + "\n";
    };
    startWith(yaml(1), {});
    ASSERT_TRUE(daemon->waitState("w", "RUNNING")) << daemon->log();
    const pid_t pid = daemon->pidOf("w");
    ASSERT_GT(pid, 0);

    writeFile(conf / "services.yaml", yaml(2));
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(daemon->waitState("w@1", "RUNNING")) << daemon->log();
    EXPECT_EQ(daemon->pidOf("w@0"), pid) << daemon->log();
    EXPECT_EQ(daemon->stateOf("w@0"), "RUNNING");
    EXPECT_TRUE(daemon->process("w").is_null());
    const pid_t second = daemon->pidOf("w@1");

    writeFile(conf / "services.yaml", yaml(1));
    ASSERT_EQ(daemon->ctl({"reload"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(waitFor([&] { return daemon->process("w@1").is_null(); })) << daemon->log();
    EXPECT_EQ(daemon->pidOf("w"), pid) << daemon->log();
    EXPECT_EQ(daemon->stateOf("w"), "RUNNING");
    EXPECT_TRUE(daemon->process("w@0").is_null());
    EXPECT_TRUE(processExists(pid));
    EXPECT_TRUE(waitFor([&] { return !processExists(second); })) << daemon->log();
    // The renamed instance answers every request under its new name.
    ASSERT_EQ(daemon->ctl({"restart", "w"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(waitFor([&] { return daemon->pidOf("w") > 0 && daemon->pidOf("w") != pid; }))
        << daemon->log();
}

// ---- the journal ----------------------------------------------------------------------------------

// A journald stand-in bound by the test: reads only when told to.
class FakeJournal {
  public:
    explicit FakeJournal(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~FakeJournal() {
        if (fd_ >= 0) ::close(fd_);
        ::unlink(path_.c_str());
    }
    bool ok() const { return fd_ >= 0; }
    // Reads as fast as entries come (as journald would once it catches up) until `done` says so or
    // `timeout` passes; appends the entries' text. Returns the final answer of `done`.
    bool readUntil(std::string& into, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[65536];
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            for (;;) {
                const ssize_t got = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
                if (got < 0) break;
                into.append(buf, static_cast<std::size_t>(got));
            }
        }
        return true;
    }

  private:
    std::string path_;
    int fd_ = -1;
};

// Before: every line went out through a blocking send(); with journald not reading, the first full
// socket buffer froze the event loop, so nothing was reaped and D-Bus went unanswered.
TEST_F(DaemonRuntime, AJournalThatNeverReadsStallsNeitherReapingNorTheBus) {
    TempDir dir{"supjournal"};
    FakeJournal journal(dir / "socket");
    ASSERT_TRUE(journal.ok());
    markers = {"/bin/sleep 6603"};
    DaemonOptions options;
    options.env = {{"SUPERVISORD_TEST_HOOKS", "1"}, {"SUPERVISORD_JOURNAL_SOCKET", dir / "socket"}};
    startWith(R"(
services:
  firehose:
    command: ["/bin/sh", "-c", "yes journal-firehose-line"]
    start_seconds: 0s
    stdout: journal
  blinker:
    command: ["/bin/sh", "-c", "exit 3"]
    start_seconds: 0s
    backoff: {initial: 100ms, max: 100ms}
    start_retries: 1000000
  steady:
    command: ["/bin/sleep", "6603"]
    start_seconds: 0s
)",
              options);
    ASSERT_TRUE(daemon->waitState("firehose", "RUNNING")) << daemon->log();
    // The queue fills and overflows (the warning says so)...
    ASSERT_TRUE(waitFor([&] {
        return daemon->log().find("the journal is not keeping up") != std::string::npos;
    })) << daemon->log();
    // ...while the daemon keeps reaping and restarting, and answers on D-Bus.
    const unsigned restartsBefore = daemon->process("blinker").value("restarts", 0u);
    ASSERT_TRUE(
        waitFor([&] { return daemon->process("blinker").value("restarts", 0u) >= restartsBefore + 5; }, 30s))
        << daemon->log();
    EXPECT_EQ(daemon->stateOf("steady"), "RUNNING");
    EXPECT_EQ(count(daemon->log(), "the journal is not keeping up"), 1u);

    // journald catches up once the firehose stops: the queue drains and the loss is reported there.
    ASSERT_EQ(daemon->ctl({"stop", "firehose"}).exitCode, 0) << daemon->log();
    std::string received;
    ASSERT_TRUE(journal.readUntil(
        received,
        [&] {
            return received.find(" journal entries were lost: the journal did not keep up") !=
                   std::string::npos;
        },
        60s))
        << daemon->log();
    EXPECT_NE(received.find("MESSAGE=journal-firehose-line\nPRIORITY=6\nSYSLOG_IDENTIFIER=firehose\n"),
              std::string::npos);
}

TEST_F(DaemonRuntime, WithoutJournaldTheOutputStaysInTheTailAndOneWarningSaysSo) {
    TempDir dir{"supjournal"};
    markers = {"/bin/sleep 6604"};
    DaemonOptions options;
    options.env = {{"SUPERVISORD_TEST_HOOKS", "1"}, {"SUPERVISORD_JOURNAL_SOCKET", dir / "no-journald"}};
    startWith(R"(
services:
  talker:
    command: ["/bin/sh", "-c", "echo first-6604; echo second-6604; echo oops-6604 >&2; exec /bin/sleep 6604"]
    start_seconds: 0s
    stdout: journal
    stderr: journal
)",
              options);
    ASSERT_TRUE(waitFor([&] {
        return daemon->ctl({"tail", "talker"}).out.find("second-6604") != std::string::npos;
    })) << daemon->log();
    EXPECT_NE(daemon->ctl({"tail", "talker"}).out.find("first-6604"), std::string::npos);
    EXPECT_TRUE(waitFor([&] { return daemon->log().find("no journal at ") != std::string::npos; }))
        << daemon->log();
    EXPECT_EQ(count(daemon->log(), "no journal at "), 1u) << daemon->log();
    EXPECT_NE(daemon->log().find("supctl tail"), std::string::npos) << daemon->log();
}

// ---- a log file that cannot be opened -------------------------------------------------------------

TEST_F(DaemonRuntime, ALogThatCannotBeOpenedShowsInTheStatusUntilItOpens) {
    TempDir logs{"suplogs"};
    writeFile(logs / "blocker", "a file where a directory should be\n");
    const std::string path = logs / "blocker/web.log";
    markers = {"/bin/sh -c while :; do echo tick-6605; sleep 0.2; done"};
    startWith(
        "services:\n  web:\n    command: [\"/bin/sh\", \"-c\", \"while :; do echo tick-6605; sleep 0.2; "
        "done\"]\n    start_seconds: 0s\n    stdout: {file: \"" +
            path + "\"}\n",
        {});
    ASSERT_TRUE(daemon->waitState("web", "RUNNING")) << daemon->log();
    const std::string want = "log: cannot open " + path + ": Not a directory";
    EXPECT_NE(daemon->process("web").value("reason", "").find(want), std::string::npos)
        << daemon->process("web");

    // The operator fixes it and asks for a reopen: the error goes, the file fills.
    std::filesystem::remove(logs / "blocker");
    std::filesystem::create_directory(logs / "blocker");
    ASSERT_EQ(::kill(daemon->pid(), SIGUSR1), 0);
    ASSERT_TRUE(waitFor([&] { return readFile(path).find("tick-6605") != std::string::npos; }))
        << daemon->log();
    EXPECT_EQ(daemon->process("web").value("reason", "").find("log:"), std::string::npos)
        << daemon->process("web");
    EXPECT_NE(daemon->log().find("web: its log is open again"), std::string::npos) << daemon->log();
}

// ---- OOM kills ----------------------------------------------------------------------------------

TEST_F(DaemonRuntime, AnOomKillIsReportedAsSuch) {
    if (::geteuid() != 0) SUP_SKIP_OR_FAIL_IN_CI("needs root to create a memory cgroup");
    memoryCgroup.emplace(256ull * 1024 * 1024);
    if (!memoryCgroup->ok()) SUP_SKIP_OR_FAIL_IN_CI("no cgroup v1 memory controller to create a cgroup in");
    DaemonOptions options;
    options.cgroupProcs = memoryCgroup->procs();
    // The hog offers itself to the OOM killer first, then grows until the cgroup's limit is hit.
    startWith(R"(
services:
  hog:
    command: ["/usr/bin/perl", "-e", "open(my $f, '>', '/proc/self/oom_score_adj'); print $f 1000; close $f; my $x = ''; $x .= 'x' x 1048576 while 1;"]
    start_seconds: 0s
    restart: never
  killed:
    command: ["/bin/sleep", "6606"]
    start_seconds: 0s
    restart: never
    autostart: false
)",
              options);
    ASSERT_TRUE(waitFor(
        [&] { return daemon->stateOf("hog") == "EXITED" || daemon->stateOf("hog") == "STOPPED"; }, 60s))
        << daemon->log();
    EXPECT_NE(daemon->process("hog").value("reason", "").find("killed by the OOM killer"), std::string::npos)
        << daemon->process("hog");
    EXPECT_NE(daemon->log().find("hog: "), std::string::npos);
    EXPECT_NE(daemon->log().find("killed by the OOM killer"), std::string::npos) << daemon->log();

    // A SIGKILL from anyone else is a plain SIGKILL.
    ASSERT_EQ(daemon->ctl({"start", "killed"}).exitCode, 0) << daemon->log();
    ASSERT_TRUE(daemon->waitState("killed", "RUNNING")) << daemon->log();
    ASSERT_EQ(::kill(daemon->pidOf("killed"), SIGKILL), 0);
    ASSERT_TRUE(waitFor([&] { return daemon->stateOf("killed") != "RUNNING"; })) << daemon->log();
    EXPECT_EQ(daemon->process("killed").value("reason", "").find("OOM"), std::string::npos)
        << daemon->process("killed");
}

}  // namespace
