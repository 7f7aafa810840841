// makeSink and FileRegistry: service output to the daemon's log whatever its level, log files whose
// directory is missing, and failed reopens and rotations that lose no output and are reported.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "os_test_helpers.h"
#include "supervisor/LogSinks.h"

namespace sup {
namespace {

using os::test::readFile;
using os::test::TempDir;

// Makes a logger that writes "[level] message" lines into a string the default logger for the
// test's duration, with the given level, as main.cpp does with `log_level`.
class CapturedLog {
  public:
    explicit CapturedLog(spdlog::level::level_enum level) : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        auto logger = std::make_shared<spdlog::logger>("supervisord", std::move(sink));
        logger->set_pattern("[%l] %v");
        logger->set_level(level);
        spdlog::drop("supervisord");
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() {
        spdlog::drop("supervisord");
        spdlog::set_default_logger(previous_);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    std::string text() const { return text_.str(); }
    // How many captured lines contain `part`.
    int count(const std::string& part) const {
        int n = 0;
        std::istringstream in(text_.str());
        for (std::string line; std::getline(in, line);) n += line.find(part) != std::string::npos;
        return n;
    }

  private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream text_;
};

LogTarget daemonTarget() {
    LogTarget t;
    t.kind = LogTarget::Kind::Daemon;
    return t;
}

LogTarget fileTarget(const std::string& path, std::uint64_t maxSize = 0, unsigned backups = 5) {
    LogTarget t;
    t.kind = LogTarget::Kind::File;
    t.path = path;
    t.maxSize = maxSize;
    t.backups = backups;
    return t;
}

TEST(LogSinks, DaemonTargetKeepsServiceOutputWhateverTheDaemonsLogLevel) {
    for (auto level : {spdlog::level::info, spdlog::level::warn, spdlog::level::err, spdlog::level::off}) {
        SCOPED_TRACE(spdlog::level::to_string_view(level).data());
        CapturedLog log(level);
        FileRegistry files;
        DaemonSettings settings;
        auto out = makeSink(daemonTarget(), "web", LOG_INFO, files, settings);
        auto err = makeSink(daemonTarget(), "web", LOG_WARNING, files, settings);
        out->write("hello\npart");
        out->write("ial\n");
        err->write("oops\n");
        out->write("no newline");
        out->flush();
        spdlog::info("the daemon's own info line");  // the level still applies to the daemon's messages
        const std::string own = level <= spdlog::level::info ? "[info] the daemon's own info line\n" : "";
        EXPECT_EQ(
            log.text(),
            "[info] web: hello\n[info] web: partial\n[info] web (stderr): oops\n[info] web: no newline\n" +
                own);
    }
}

TEST(LogSinks, MissingLogDirectoryIsCreatedWithMode0750) {
    TempDir dir;
    DaemonSettings settings;
    settings.logDir = dir / "var/log/supervisord";
    FileRegistry files;
    const mode_t old = ::umask(0);  // so the mode seen is the one asked for
    std::unique_ptr<LogSink> sink;
    try {
        sink = makeSink(fileTarget("{name}/out.log"), "web", LOG_INFO, files, settings);
    } catch (...) {
        ::umask(old);
        throw;
    }
    ::umask(old);
    sink->write("hello\n");
    EXPECT_EQ(readFile(settings.logDir + "/web/out.log"), "hello\n");
    struct stat st {};
    ASSERT_EQ(::stat(settings.logDir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    ASSERT_EQ(::stat((settings.logDir + "/web").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
}

TEST(LogSinks, OnlyDirectoriesInsideTheLogDirectoryAreCreated) {
    TempDir dir;
    DaemonSettings settings;
    settings.logDir = dir / "logs";
    FileRegistry files;
    // An absolute path elsewhere is the operator's own: a typo must not create directories.
    EXPECT_THROW(makeSink(fileTarget(dir / "elsewhere/out.log"), "web", LOG_INFO, files, settings),
                 std::system_error);
    EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere"));
    // Nor may "../" climb out of it.
    EXPECT_THROW(makeSink(fileTarget("../up/out.log"), "web", LOG_INFO, files, settings), std::system_error);
    EXPECT_FALSE(std::filesystem::exists(dir / "up"));
}

TEST(LogSinks, ReopenRecreatesARemovedLogDirectory) {
    TempDir dir;
    DaemonSettings settings;
    settings.logDir = dir / "logs";
    FileRegistry files;
    auto sink = makeSink(fileTarget("web.log"), "web", LOG_INFO, files, settings);
    sink->write("one\n");
    std::filesystem::remove_all(settings.logDir);
    files.reopenAll();
    sink->write("two\n");
    EXPECT_EQ(readFile(settings.logDir + "/web.log"), "two\n");
}

TEST(LogSinks, FailedReopenKeepsTheOutputAndIsReported) {
    CapturedLog log(spdlog::level::info);
    TempDir dir;
    DaemonSettings settings;
    settings.logDir = dir / "logs";
    FileRegistry files;
    auto sink = makeSink(fileTarget("web.log"), "web", LOG_INFO, files, settings);
    sink->write("before\n");
    // As logrotate moving the directory; a regular file under the old name makes every open fail.
    std::filesystem::rename(settings.logDir, dir / "moved");
    std::ofstream(settings.logDir) << "not a directory\n";
    files.reopenAll();
    sink->write("kept\n");
    sink->write("kept too\n");
    EXPECT_EQ(readFile(dir / "moved/web.log"), "before\nkept\nkept too\n");
    EXPECT_EQ(log.count("[error] reopening " + settings.logDir + "/web.log"), 1) << log.text();
    EXPECT_EQ(log.count("[error]"), 1) << "reported more than once: " << log.text();
}

TEST(LogSinks, FailedRotationKeepsTheOutputAndIsReportedOnce) {
    CapturedLog log(spdlog::level::info);
    TempDir dir;
    DaemonSettings settings;
    settings.logDir = dir.path();
    FileRegistry files;
    auto sink = makeSink(fileTarget("web.log", 10, 1), "web", LOG_INFO, files, settings);
    // rename(web.log, web.log.1) fails with EISDIR: web.log.1 is a non-empty directory.
    std::filesystem::create_directories(dir / "web.log.1/blocker");
    sink->write("aaaaa\n");
    sink->write("bbbbb\n");
    sink->write("ccccc\n");
    EXPECT_EQ(readFile(dir / "web.log"), "aaaaa\nbbbbb\nccccc\n");
    EXPECT_EQ(log.count("[error] log file " + dir / "web.log" + ": rename"), 1) << log.text();
    EXPECT_EQ(log.count("[error]"), 1) << "reported more than once: " << log.text();
}

}  // namespace
}  // namespace sup
