// An append-only log file that rotates by size at line boundaries: path -> path.1 -> ... -> path.N.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "os/UniqueFd.h"

namespace sup::os {

class RotatingFile {
  public:
    // maxSize 0 = never rotate. backups 0 = rotation truncates the file in place.
    // Opens (creating, mode 0640) path; the directory must exist. Throws std::system_error naming path.
    RotatingFile(std::string path, std::uint64_t maxSize, unsigned backups);

    // Writes all of data. Rotates before a write that would take the file past maxSize, splitting data
    // at the last newline that fits so that no line straddles two files and nothing is dropped. A
    // single line longer than maxSize goes whole into a fresh file. Throws std::system_error.
    void write(std::string_view data);
    // Closes and opens path again (after an external logrotate moved it). Throws std::system_error.
    void reopen();
    // Rotates now (e.g. on an operator's request). Throws std::system_error.
    void rotate();

    const std::string& path() const { return path_; }
    std::uint64_t size() const { return size_; }

  private:
    void open();
    void writeAll(std::string_view data);
    [[noreturn]] void fail(int err, const char* what, const std::string& subject) const;

    std::string path_;
    std::uint64_t maxSize_;
    unsigned backups_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
};

}  // namespace sup::os
