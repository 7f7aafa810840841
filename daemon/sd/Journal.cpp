#include "sd/Journal.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
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

std::shared_ptr<spdlog::logger> makeDaemonLogger(bool journal, spdlog::level::level_enum level) {
    std::shared_ptr<spdlog::logger> logger;
    if (journal) {
        // enable_formatting=false: the journal stores time, pid and priority as fields itself.
        auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("supervisord", false);
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
    const std::vector<std::string> entry = fields(identifier, pid, priority, line);
    // sd_journal_sendv, not sd_journal_send: the line is arbitrary bytes, never a format string.
    std::vector<iovec> iov(entry.size());
    for (std::size_t i = 0; i < entry.size(); ++i) {
        iov[i].iov_base = const_cast<char*>(entry[i].data());
        iov[i].iov_len = entry[i].size();
    }
    const int r = ::sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    if (r < 0 && !warnedFailure_) {
        warnedFailure_ = true;  // once per stream: a missing journald must not flood the daemon's log
        spdlog::warn("{}: writing to the journal failed: {}", identifier, std::strerror(-r));
    }
}

}  // namespace sup::sd
