// Where captured output ends up: rotated files (shared by path, so stdout and stderr naming the
// same file do not rotate it under each other), the journal, the daemon's own log, or nowhere.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ServiceSpec.h"
#include "core/LineFramer.h"
#include "os/RotatingFile.h"

namespace sup {

class LogSink {
  public:
    virtual ~LogSink() = default;
    virtual void write(std::string_view data) = 0;
    virtual void flush() {}        // at EOF of the stream
    virtual void setPid(pid_t) {}  // the process now writing (journal fields)
    // Why output is being lost right now ("log: cannot write ...: No space left on device"), "" when not.
    virtual std::string error() const { return {}; }
};

class FileRegistry {
  public:
    // The file open at path, or a new one (creating missing directories on the way if asked, mode 0750).
    // A failed rotation or reopen is logged once per episode. Throws std::system_error.
    std::shared_ptr<os::RotatingFile> open(const std::string& path, std::uint64_t maxSize, unsigned backups,
                                           bool createDirectories = false);
    void reopenAll();  // SIGUSR1: logrotate moved the files away; a failure keeps the old file in use
    void forgetUnused();

  private:
    std::map<std::string, std::weak_ptr<os::RotatingFile>> files_;
};

// Builds the sink for one stream of one instance. `identifier` is the instance name.
std::unique_ptr<LogSink> makeSink(const LogTarget& target, const std::string& identifier, int priority,
                                  FileRegistry& files, const DaemonSettings& settings);

// The file path a target resolves to for an instance ("{name}" replaced, relative to log_dir).
std::string resolveLogPath(const LogTarget& target, const std::string& instance,
                           const DaemonSettings& settings);

}  // namespace sup
