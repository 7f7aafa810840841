// JOURNAL_STREAM detection, the daemon logger's two shapes, journal fields for service output (sent
// to a private socket, never the host's journal), and the environment the supervisor must strip
// from children.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "os/UniqueFd.h"
#include "sd/ChildEnvironment.h"
#include "sd/Journal.h"

namespace {

std::string devIno(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(SdJournalStream, MatchesOnlyTheSameDeviceAndInode) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    sup::os::UniqueFd r(p[0]), w(p[1]);
    const std::string mine = devIno(w.get());
    EXPECT_TRUE(sup::sd::fdIsJournalStream(w.get(), mine.c_str()));
    EXPECT_TRUE(sup::sd::fdIsJournalStream(r.get(), mine.c_str()));  // same pipe inode

    int q[2];
    ASSERT_EQ(::pipe2(q, O_CLOEXEC), 0);
    sup::os::UniqueFd r2(q[0]), w2(q[1]);
    EXPECT_FALSE(sup::sd::fdIsJournalStream(w2.get(), mine.c_str()));  // another stream

    EXPECT_FALSE(sup::sd::fdIsJournalStream(w.get(), nullptr));
    EXPECT_FALSE(sup::sd::fdIsJournalStream(w.get(), ""));
    EXPECT_FALSE(sup::sd::fdIsJournalStream(w.get(), "12"));
    EXPECT_FALSE(sup::sd::fdIsJournalStream(w.get(), (mine + "x").c_str()));
    EXPECT_FALSE(sup::sd::fdIsJournalStream(w.get(), (":" + mine).c_str()));
    EXPECT_FALSE(sup::sd::fdIsJournalStream(-1, mine.c_str()));
}

TEST(SdJournalStream, StderrIsJournalReadsTheEnvironment) {
    const char* old = std::getenv("JOURNAL_STREAM");
    const std::string saved = old ? old : "";
    ::setenv("JOURNAL_STREAM", devIno(STDERR_FILENO).c_str(), 1);
    EXPECT_TRUE(sup::sd::stderrIsJournal());
    ::setenv("JOURNAL_STREAM", "1:1", 1);
    EXPECT_FALSE(sup::sd::stderrIsJournal());
    ::unsetenv("JOURNAL_STREAM");
    EXPECT_FALSE(sup::sd::stderrIsJournal());
    if (old) ::setenv("JOURNAL_STREAM", saved.c_str(), 1);
}

TEST(SdDaemonLogger, StderrLinesHaveTimestampAndLevel) {
    // Point fd 2 at a pipe for the duration of the test, then restore it.
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    sup::os::UniqueFd r(p[0]), w(p[1]);
    sup::os::UniqueFd savedStderr(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
    ASSERT_TRUE(savedStderr);
    auto previous = spdlog::default_logger();
    ASSERT_EQ(::dup2(w.get(), STDERR_FILENO), STDERR_FILENO);

    auto logger = sup::sd::makeDaemonLogger(false, spdlog::level::info);
    EXPECT_EQ(spdlog::default_logger(), logger);
    spdlog::info("started {} services", 3);
    spdlog::debug("below the level");
    spdlog::warn("careful");
    logger->flush();
    ::dup2(savedStderr.get(), STDERR_FILENO);
    w.reset();
    spdlog::set_default_logger(previous);

    std::string text;
    char buf[1024];
    for (;;) {
        const ssize_t n = ::read(r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    const std::regex expected(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[info\] started 3 services\n)"
                              R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[warning\] careful\n)");
    EXPECT_TRUE(std::regex_match(text, expected)) << text;
}

TEST(SdDaemonLogger, JournalLoggerUsesTheNonBlockingJournalSink) {
    auto previous = spdlog::default_logger();
    auto logger = sup::sd::makeDaemonLogger(true, spdlog::level::debug);
    ASSERT_EQ(logger->sinks().size(), 1u);
    EXPECT_NE(std::dynamic_pointer_cast<sup::sd::JournalLogSink>(logger->sinks()[0]), nullptr);
    EXPECT_EQ(logger->level(), spdlog::level::debug);
    EXPECT_EQ(logger->name(), "supervisord");
    spdlog::set_default_logger(previous);
}

TEST(SdJournalFields, IdentifierPidAndPriority) {
    using F = std::vector<std::string>;
    EXPECT_EQ(sup::sd::JournalStream::fields("web", 4242, LOG_INFO, "hello world"),
              (F{"MESSAGE=hello world", "PRIORITY=6", "SYSLOG_IDENTIFIER=web", "SYSLOG_PID=4242",
                 "OBJECT_PID=4242"}));
    // A "<N>" prefix is the program's own priority, as with systemd's stream logging.
    EXPECT_EQ(
        sup::sd::JournalStream::fields("web@1", 7, LOG_INFO, "<3>disk full"),
        (F{"MESSAGE=disk full", "PRIORITY=3", "SYSLOG_IDENTIFIER=web@1", "SYSLOG_PID=7", "OBJECT_PID=7"}));
    // No pid (already exited): no pid fields rather than a wrong one.
    EXPECT_EQ(sup::sd::JournalStream::fields("db", 0, LOG_ERR, "<9>not a prefix"),
              (F{"MESSAGE=<9>not a prefix", "PRIORITY=3", "SYSLOG_IDENTIFIER=db"}));
}

TEST(SdJournalFields, PriorityPrefix) {
    std::string_view line = "<7>debugging";
    EXPECT_EQ(sup::sd::takePriorityPrefix(line, 6), 7);
    EXPECT_EQ(line, "debugging");
    line = "<8>x";
    EXPECT_EQ(sup::sd::takePriorityPrefix(line, 6), 6);
    EXPECT_EQ(line, "<8>x");
    line = "<1";
    EXPECT_EQ(sup::sd::takePriorityPrefix(line, 5), 5);
}

bool writeFile(const char* path, const std::string& text) {
    sup::os::UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// Runs `body` in a child whose /run is a private tmpfs (own mount namespace; own user namespace when
// not root), so sd_journal_sendv reaches a socket of the test's, never the host's journal. Returns
// what the child wrote to `out` and its exit status, or nullopt when namespaces are unavailable.
struct ChildResult {
    std::string text;
    int status = -1;
};
std::optional<ChildResult> inPrivateRun(const std::function<int(int out)>& body) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return std::nullopt;
    sup::os::UniqueFd r(p[0]), w(p[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
        r.reset();
        const uid_t uid = ::geteuid();
        const gid_t gid = ::getegid();
        if (::unshare(CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER)) != 0) ::_exit(77);
        // Not root: be root of the new user namespace, so the private /run is ours to fill.
        if (uid != 0 && (!writeFile("/proc/self/setgroups", "deny") ||
                         !writeFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
                         !writeFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")))
            ::_exit(77);
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
        if (::mount("sup-test-run", "/run", "tmpfs", 0, "mode=0755") != 0) ::_exit(77);
        ::_exit(body(w.get()));
    }
    w.reset();
    ChildResult result;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.text.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) return std::nullopt;
    result.status = status;
    return result;
}

void writeAll(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

TEST(SdJournalStream, SendsTheFieldsToTheJournalSocket) {
    const pid_t servicePid = 4242;
    auto result = inPrivateRun([&](int out) {
        if (::mkdir("/run/systemd", 0755) != 0 || ::mkdir("/run/systemd/journal", 0755) != 0) return 10;
        sup::os::UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, "/run/systemd/journal/socket");
        if (!sock || ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 11;
        sup::sd::JournalWriter writer;  // the default path, under this child's private /run
        sup::sd::JournalStream stream(writer);
        stream.send("sup-unit-test", servicePid, LOG_DEBUG, "sd_journal_test line");
        char buf[4096];
        const ssize_t n = ::recv(sock.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return 12;
        writeAll(out, std::string(buf, static_cast<std::size_t>(n)));
        return 0;
    });
    if (!result) GTEST_SKIP() << "no private mount namespace here (unshare/mount refused)";
    ASSERT_TRUE(WIFEXITED(result->status) && WEXITSTATUS(result->status) == 0)
        << "child status " << result->status << " (10 mkdir, 11 bind, 12 nothing received)";
    const std::string want =
        "MESSAGE=sd_journal_test line\nPRIORITY=7\nSYSLOG_IDENTIFIER=sup-unit-test\nSYSLOG_PID=4242\n"
        "OBJECT_PID=4242\n";
    EXPECT_EQ(result->text, want);
}

// Sends two lines with the daemon's logger captured; returns the log text (exit 13 if send threw).
int sendTwiceCapturingLog(int out) {
    std::ostringstream log;
    auto logger = std::make_shared<spdlog::logger>("journal-test",
                                                   std::make_shared<spdlog::sinks::ostream_sink_st>(log));
    spdlog::set_default_logger(logger);
    try {
        sup::sd::JournalWriter writer;  // the default path, under this child's private /run
        sup::sd::JournalStream stream(writer);
        stream.send("sup-unit-test", ::getpid(), LOG_INFO, "first");
        stream.send("sup-unit-test", ::getpid(), LOG_INFO, "second");
    } catch (...) {
        return 13;
    }
    logger->flush();
    writeAll(out, log.str());
    return 0;
}

TEST(SdJournalStream, WithoutJournaldOneWarningSaysWhereTheOutputIs) {
    // No socket under the private /run: no journald (a container, a plain VM). Not silent: the output
    // is only in memory, and the operator must learn that once, not once per line.
    auto result = inPrivateRun(sendTwiceCapturingLog);
    if (!result) GTEST_SKIP() << "no private mount namespace here (unshare/mount refused)";
    ASSERT_TRUE(WIFEXITED(result->status) && WEXITSTATUS(result->status) == 0)
        << "child status " << result->status << " (13: send threw)";
    const std::regex once(
        R"(^[^\n]*no journal at /run/systemd/journal/socket \(No such file or directory\): [^\n]*supctl )"
        R"(tail[^\n]*\n$)");
    EXPECT_TRUE(std::regex_search(result->text, once)) << result->text;
}

TEST(SdJournalStream, ARefusingJournalIsWarnedAboutOnce) {
    auto result = inPrivateRun([](int out) {
        // A socket file nobody reads from any more: sendmsg fails with ECONNREFUSED.
        if (::mkdir("/run/systemd", 0755) != 0 || ::mkdir("/run/systemd/journal", 0755) != 0) return 10;
        sup::os::UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, "/run/systemd/journal/socket");
        if (!sock || ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 11;
        sock.reset();
        return sendTwiceCapturingLog(out);
    });
    if (!result) GTEST_SKIP() << "no private mount namespace here (unshare/mount refused)";
    ASSERT_TRUE(WIFEXITED(result->status) && WEXITSTATUS(result->status) == 0)
        << "child status " << result->status << " (10 mkdir, 11 bind, 13 send threw)";
    const std::regex once(
        R"(^[^\n]*no journal at /run/systemd/journal/socket \(Connection refused\)[^\n]+\n$)");
    EXPECT_TRUE(std::regex_search(result->text, once)) << result->text;
}

TEST(SdChildEnvironment, ListsEverySystemdOnlyVariable) {
    const auto& names = sup::sd::systemdOnlyEnvironment();
    for (const char* n : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                          "LISTEN_FDNAMES", "JOURNAL_STREAM", "RUNTIME_DIRECTORY", "LOGS_DIRECTORY",
                          "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY", "CACHE_DIRECTORY", "INVOCATION_ID",
                          "MEMORY_PRESSURE_WATCH", "MEMORY_PRESSURE_WRITE", "CREDENTIALS_DIRECTORY"})
        EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    EXPECT_TRUE(sup::sd::isSystemdOnly("NOTIFY_SOCKET=/run/systemd/notify"));
    EXPECT_TRUE(sup::sd::isSystemdOnly("LISTEN_FDS"));
    EXPECT_FALSE(sup::sd::isSystemdOnly("NOTIFY_SOCKETX=1"));
    EXPECT_FALSE(sup::sd::isSystemdOnly("PATH=/usr/bin"));
    EXPECT_TRUE(sup::sd::isSystemdOnly("INVOCATION_ID=0123456789abcdef0123456789abcdef"));
    EXPECT_TRUE(sup::sd::isSystemdOnly("RUNTIME_DIRECTORY=/run/supervisord"));
    EXPECT_FALSE(sup::sd::isSystemdOnly("STATE_DIRECTORYX=/var/lib/x"));
}

}  // namespace
