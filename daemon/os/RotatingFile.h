// An append-only log file that rotates by size at line boundaries: path -> path.1 -> ... -> path.N.
// A rotation or reopen that fails never loses output: writes go on to the file already open.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

#include "os/UniqueFd.h"

namespace sup::os {

class RotatingFile {
  public:
    // How often write() tries again a rotation or an open that failed (see write()).
    static constexpr std::chrono::milliseconds kRetryInterval{1000};

    // maxSize 0 = never rotate. backups 0 = rotation truncates the file in place.
    // Opens (creating, mode 0640) path. With createDirectories, missing directories on the way to it are
    // created (mode 0750, as systemd's LogsDirectory=) by this and every later open; otherwise the
    // directory must exist. Throws std::system_error naming path.
    RotatingFile(std::string path, std::uint64_t maxSize, unsigned backups, bool createDirectories = false);

    // Writes all of data. Rotates before a write that would take the file past maxSize, splitting data
    // at the last newline that fits so that no line straddles two files and nothing is dropped. A
    // single line longer than maxSize goes whole into a fresh file.
    // When a rotation (rename or open) fails, or reopen() failed, everything goes on to the file already
    // open (path before a failed rename, path.1 after a failed open), past maxSize if need be, and the
    // failed step is tried again on a later write at most once per retry interval (so a chatty service
    // does not cost an open(2) per chunk, and recovery needs no operator once the cause is gone) and at
    // every reopen(). The report callback hears of such episodes. Throws std::system_error only when
    // write(2) itself fails, i.e. when data is lost.
    void write(std::string_view data);
    // Opens path again (after an external logrotate moved it), and only once that succeeded closes the
    // old file; on failure the old file stays in use. Throws std::system_error.
    void reopen();
    // Rotates now (e.g. on an operator's request); after a failed one, only the open still missing is
    // done. On failure the old file stays in use. Throws std::system_error.
    void rotate();

    // Called with the error when a rotation or open attempted by write() fails and writes go on to the
    // old file, and with nullptr when a later attempt (by write(), reopen() or rotate()) succeeds. Once
    // per episode: not for further failed retries, nor for a failure that reopen()/rotate() threw.
    void setReport(std::function<void(const std::system_error*)> report) { report_ = std::move(report); }
    // For tests and tuning: the least time between two attempts made by write().
    void setRetryInterval(std::chrono::milliseconds interval) { retryInterval_ = interval; }

    const std::string& path() const { return path_; }
    std::uint64_t size() const { return size_; }
    // True while writes go to the old file because a rotation or an open failed.
    bool troubled() const { return troubled_; }

  private:
    void openNow();
    void rotateNow();
    bool attempt(void (RotatingFile::*step)());
    void enterTrouble(const std::system_error& e, bool report);
    void leaveTrouble();
    bool retryDue() const;
    void writeAll(std::string_view data);

    std::string path_;
    std::uint64_t maxSize_;
    unsigned backups_;
    bool createDirectories_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;

    bool troubled_ = false;
    bool needOpen_ = false;  // path was renamed away (or reopen() failed): what is missing is an open
    std::chrono::steady_clock::time_point lastAttempt_{};
    std::chrono::milliseconds retryInterval_ = kRetryInterval;
    std::function<void(const std::system_error*)> report_;
};

}  // namespace sup::os
