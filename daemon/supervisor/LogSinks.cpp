#include "supervisor/LogSinks.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <filesystem>

#include "sd/Journal.h"

namespace sup {

namespace {

class NullSink final : public LogSink {
  public:
    void write(std::string_view) override {}
};

class FileSink final : public LogSink {
  public:
    explicit FileSink(std::shared_ptr<os::RotatingFile> file) : file_(std::move(file)) {}
    void write(std::string_view data) override {
        // A failed rotation or reopen loses nothing (RotatingFile keeps the old file and reports it
        // through FileRegistry); only a failed write(2), e.g. a full disk, does.
        try {
            file_->write(data);
            error_.clear();
        } catch (const std::exception& e) {
            // Log once per failure episode, not once per chunk: a full disk must not flood stderr.
            if (error_.empty()) spdlog::error("log file: {}", e.what());
            error_ = std::string("log: cannot ") + e.what();
        }
    }
    std::string error() const override { return error_; }

  private:
    std::shared_ptr<os::RotatingFile> file_;
    std::string error_;  // the failure of the last write, "" after a successful one
};

// Line-based sinks: the journal and the daemon's own log want whole lines.
class LineSink : public LogSink {
  public:
    void write(std::string_view data) override {
        splitter_.feed(data, [this](std::string_view line) { emit(line); });
    }
    void flush() override {
        splitter_.flush([this](std::string_view line) { emit(line); });
    }

  protected:
    virtual void emit(std::string_view line) = 0;

  private:
    LineSplitter splitter_;
};

// Service output into the daemon's own log. Straight to the sinks of the daemon's logger, not through
// spdlog::info(): the logger's level is `log_level`, which filters the daemon's own messages, and with
// `log_level: warn` it would silently drop every line of every service left at the default target.
// Output is data, kept whatever that level. (A level set on a sink itself is still honoured.)
class DaemonLogSink final : public LineSink {
  public:
    DaemonLogSink(std::string identifier, bool isStderr)
        : prefix_(std::move(identifier) + (isStderr ? " (stderr): " : ": ")) {}

  private:
    void emit(std::string_view line) override {
        spdlog::logger* logger = spdlog::default_logger_raw();
        if (logger == nullptr) return;
        std::string text = prefix_;
        text.append(line);
        const spdlog::details::log_msg msg(logger->name(), spdlog::level::info, text);
        for (const auto& sink : logger->sinks()) {
            if (!sink->should_log(msg.level)) continue;
            try {
                sink->log(msg);
            } catch (const std::exception& e) {
                // The logger would have caught this (e.g. the journal sink when journald is gone); report
                // once per stream, through the logger, so a dead sink does not flood the others.
                if (!warned_) spdlog::warn("{}writing to the daemon's log failed: {}", prefix_, e.what());
                warned_ = true;
            }
        }
    }
    std::string prefix_;
    bool warned_ = false;
};

class JournalSink final : public LineSink {
  public:
    JournalSink(std::string identifier, int priority)
        : identifier_(std::move(identifier)), priority_(priority) {}
    void setPid(pid_t pid) override { pid_ = pid; }

  private:
    void emit(std::string_view line) override { journal_.send(identifier_, pid_, priority_, line); }
    sd::JournalStream journal_;
    std::string identifier_;
    int priority_;
    pid_t pid_ = 0;
};

// True when path lies below dir, compared lexically ("a/../b" is resolved, symlinks are not).
bool insideDirectory(const std::string& path, const std::string& dir) {
    if (dir.empty()) return false;
    const auto relative = std::filesystem::path(path).lexically_normal().lexically_relative(
        std::filesystem::path(dir).lexically_normal());
    return !relative.empty() && *relative.begin() != ".." && relative != ".";
}

}  // namespace

std::shared_ptr<os::RotatingFile> FileRegistry::open(const std::string& path, std::uint64_t maxSize,
                                                     unsigned backups, bool createDirectories) {
    auto& slot = files_[path];
    if (auto existing = slot.lock()) return existing;
    auto file = std::make_shared<os::RotatingFile>(path, maxSize, backups, createDirectories);
    // Once per episode (the file shared by stdout and stderr reports once), not once per chunk.
    file->setReport([path](const std::system_error* e) {
        if (e)
            spdlog::error("log file {}: {}; writing on to the file already open, retrying", path, e->what());
        else
            spdlog::info("log file {}: recovered, writing to it again", path);
    });
    slot = file;
    return file;
}

void FileRegistry::reopenAll() {
    for (auto& [path, weak] : files_) {
        if (auto file = weak.lock()) {
            try {
                file->reopen();
            } catch (const std::exception& e) {
                spdlog::error("reopening {}: {}; writing on to the file already open, retrying", path,
                              e.what());
            }
        }
    }
}

void FileRegistry::forgetUnused() {
    std::erase_if(files_, [](auto& kv) { return kv.second.expired(); });
}

std::string resolveLogPath(const LogTarget& target, const std::string& instance,
                           const DaemonSettings& settings) {
    std::string path = target.path;
    for (auto pos = path.find("{name}"); pos != std::string::npos;
         pos = path.find("{name}", pos + instance.size()))
        path.replace(pos, 6, instance);
    if (!path.empty() && path[0] != '/') path = settings.logDir + "/" + path;
    return path;
}

std::unique_ptr<LogSink> makeSink(const LogTarget& target, const std::string& identifier, int priority,
                                  FileRegistry& files, const DaemonSettings& settings) {
    switch (target.kind) {
        case LogTarget::Kind::File: {
            // Like systemd's LogsDirectory=, the log directory (and what lies between it and the file)
            // is created when missing. A path elsewhere is the operator's own: a typo creates nothing.
            const std::string path = resolveLogPath(target, identifier, settings);
            return std::make_unique<FileSink>(
                files.open(path, target.maxSize, target.backups, insideDirectory(path, settings.logDir)));
        }
        case LogTarget::Kind::Journal:
            return std::make_unique<JournalSink>(identifier, priority);
        case LogTarget::Kind::Null:  // nothing arrives: the child's fd is /dev/null
        case LogTarget::Kind::Memory:
            return std::make_unique<NullSink>();
        case LogTarget::Kind::Daemon:
        case LogTarget::Kind::Stdout:
            return std::make_unique<DaemonLogSink>(identifier, priority == LOG_WARNING);
    }
    return std::make_unique<NullSink>();
}

}  // namespace sup
