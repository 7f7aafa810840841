// Logging under systemd: the daemon's own logger (journal or plain stderr) and the journal
// writer for services configured with `stdout: journal` / `stderr: journal`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "sd/JournalWriter.h"

namespace sup::sd {

// True when stderr is the very stream systemd connected to the journal: JOURNAL_STREAM="dev:ino"
// matches fstat(STDERR_FILENO). A redirected stderr (2>file) keeps the variable but not the match.
bool stderrIsJournal();
// The same check for any fd against a given JOURNAL_STREAM value (nullptr = unset). For tests.
bool fdIsJournalStream(int fd, const char* journalStreamValue);

// Builds the daemon's logger, registers it and makes it spdlog's default logger.
// journal=true: native journal entries with PRIORITY from the level and SYSLOG_IDENTIFIER=supervisord,
// sent through daemonJournal() (never blocking the loop).
// journal=false: stderr lines "2026-11-23 10:00:00.123 [info] message".
std::shared_ptr<spdlog::logger> makeDaemonLogger(bool journal, spdlog::level::level_enum level);

// The daemon's own log as journal entries (SYSLOG_IDENTIFIER=supervisord), through a JournalWriter.
// Single-threaded like the rest of the daemon.
class JournalLogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  public:
    explicit JournalLogSink(JournalWriter& writer) : writer_(writer) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

  private:
    JournalWriter& writer_;
};

// The pattern of the stderr logger, exposed for tests.
inline constexpr const char* kStderrPattern = "%Y-%m-%d %H:%M:%S.%e [%l] %v";

// Writes one line of a service's output to the journal as if the service had logged it itself.
class JournalStream {
  public:
    explicit JournalStream(JournalWriter& writer = daemonJournal()) : writer_(writer) {}

    // `line` without its trailing newline. A leading "<N>" (sd-daemon.h SD_ERR etc.) overrides
    // `priority`, exactly as systemd's own stdout-to-journal streams do.
    void send(const std::string& identifier, pid_t pid, int priority, std::string_view line);

    // The journal fields send() writes, in order; pure, for tests.
    static std::vector<std::string> fields(const std::string& identifier, pid_t pid, int priority,
                                           std::string_view line);

  private:
    JournalWriter& writer_;
};

// Strips a leading "<0>".."<7>" from line and returns that priority; otherwise returns fallback.
int takePriorityPrefix(std::string_view& line, int fallback);

}  // namespace sup::sd
