#include "sd/Journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sup::sd {

bool fdIsJournalStream(int fd, const char* journalStreamValue) {
    if (journalStreamValue == nullptr) return false;
    const std::string_view value(journalStreamValue);
    const auto colon = value.find(':');
    if (colon == std::string_view::npos) return false;

    unsigned long long dev = 0, ino = 0;
    const char* devEnd = value.data() + colon;
    const char* inoEnd = value.data() + value.size();
    auto [p1, e1] = std::from_chars(value.data(), devEnd, dev);
    if (e1 != std::errc() || p1 != devEnd || colon == 0) return false;
    auto [p2, e2] = std::from_chars(devEnd + 1, inoEnd, ino);
    if (e2 != std::errc() || p2 != inoEnd || devEnd + 1 == inoEnd) return false;

    struct stat st {};
    if (::fstat(fd, &st) < 0) return false;  // a closed stderr is certainly not the journal
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

bool stderrIsJournal() {
    return fdIsJournalStream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"));
}

namespace {
int priorityOf(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return 7;
        case spdlog::level::info:
            return 6;
        case spdlog::level::warn:
            return 4;
        case spdlog::level::err:
            return 3;
        case spdlog::level::critical:
            return 2;
        default:
            return 6;
    }
}
}  // namespace

void JournalLogSink::sink_it_(const spdlog::details::log_msg& msg) {
    // The journal stores time, pid and priority as fields itself: the bare message is the MESSAGE.
    writer_.send({"MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()),
                  "PRIORITY=" + std::to_string(priorityOf(msg.level)), "SYSLOG_IDENTIFIER=supervisord"});
}

std::shared_ptr<spdlog::logger> makeDaemonLogger(bool journal, spdlog::level::level_enum level) {
    std::shared_ptr<spdlog::logger> logger;
    if (journal) {
        auto sink = std::make_shared<JournalLogSink>(daemonJournal());
        logger = std::make_shared<spdlog::logger>("supervisord", std::move(sink));
    } else {
        // Not the colour sink: stderr is often a file or a pipe to another supervisor.
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        logger = std::make_shared<spdlog::logger>("supervisord", std::move(sink));
        logger->set_pattern(kStderrPattern);
    }
    logger->set_level(level);
    // Warnings and worse are flushed at once so they are not lost if the daemon is killed next.
    logger->flush_on(spdlog::level::warn);
    spdlog::drop("supervisord");  // allows calling this again (tests, --log-level changes on reload)
    spdlog::set_default_logger(logger);
    return logger;
}

int takePriorityPrefix(std::string_view& line, int fallback) {
    if (line.size() >= 3 && line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>') {
        const int priority = line[1] - '0';
        line.remove_prefix(3);
        return priority;
    }
    return fallback;
}

std::vector<std::string> JournalStream::fields(const std::string& identifier, pid_t pid, int priority,
                                               std::string_view line) {
    priority = takePriorityPrefix(line, priority);
    std::vector<std::string> out;
    out.reserve(5);
    out.push_back("MESSAGE=" + std::string(line));
    out.push_back("PRIORITY=" + std::to_string(priority));
    out.push_back("SYSLOG_IDENTIFIER=" + identifier);
    if (pid > 0) {
        // The service's PID travels in SYSLOG_PID (`journalctl -t NAME -o verbose` shows it; the short
        // format prints journald's trusted _PID, which is the daemon's, because the daemon sent the entry).
        // OBJECT_PID lets journald (we run as root) attach the child's _COMM/_EXE/_CMDLINE as OBJECT_*.
        out.push_back("SYSLOG_PID=" + std::to_string(pid));
        out.push_back("OBJECT_PID=" + std::to_string(pid));
    }
    return out;
}

void JournalStream::send(const std::string& identifier, pid_t pid, int priority, std::string_view line) {
    writer_.send(fields(identifier, pid, priority, line));
}

}  // namespace sup::sd
