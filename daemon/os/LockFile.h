// One supervisord per state directory: an flock()ed file holding the owner's PID. The kernel drops the
// lock when its holder dies, so a crash never leaves a stale lock behind.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

#include "os/UniqueFd.h"

namespace sup::os {

class LockHeld : public std::runtime_error {
  public:
    // "another supervisord (PID 1234) holds /run/supervisord/lock"; holder 0 = PID not (yet) written.
    LockHeld(pid_t holder, const std::string& path);
    pid_t holder;
};

class LockFile {
  public:
    // Creates the parent directories (0755) and the file (0644) as needed, takes the lock and writes our
    // PID. Throws LockHeld when another process holds it, std::system_error on other failures.
    static LockFile acquire(const std::string& path);

    const std::string& path() const { return path_; }

  private:
    LockFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

    std::string path_;
    // The file is deliberately never unlinked: a successor could otherwise lock a file that was just
    // removed while a third process creates and locks a new one, and both would believe they hold it.
    UniqueFd fd_;
};

}  // namespace sup::os
