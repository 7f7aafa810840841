// JOURNAL_STREAM detection, the daemon logger's two shapes, journal fields for service output,
// and the environment the supervisor must strip from children.
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/systemd_sink.h>
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

TEST(SdDaemonLogger, JournalLoggerUsesTheSystemdSink) {
    auto previous = spdlog::default_logger();
    auto logger = sup::sd::makeDaemonLogger(true, spdlog::level::debug);
    ASSERT_EQ(logger->sinks().size(), 1u);
    EXPECT_NE(std::dynamic_pointer_cast<spdlog::sinks::systemd_sink_mt>(logger->sinks()[0]), nullptr);
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

TEST(SdJournalStream, SendWithoutJournaldDoesNotThrow) {
    // Here there may be no journald at all; the call must still be harmless.
    sup::sd::JournalStream stream;
    EXPECT_NO_THROW(stream.send("sup-unit-test", ::getpid(), LOG_DEBUG, "sd_journal_test line"));
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
