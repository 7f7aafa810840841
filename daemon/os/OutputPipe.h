// The pipe that carries a child's stdout or stderr to the daemon.
#pragma once

#include <cstddef>
#include <string>

#include "os/UniqueFd.h"

namespace sup::os {

struct OutputPipe {
    UniqueFd readEnd;   // non-blocking, close-on-exec: the daemon polls it
    UniqueFd writeEnd;  // blocking, close-on-exec: the spawner dup2()s it onto the child's 1 or 2

    // Throws std::system_error. The buffer is raised to 256 KiB when allowed, to absorb bursts while
    // the daemon is busy.
    static OutputPipe create();
};

struct ReadResult {
    size_t bytes = 0;         // appended to `out` (or read into `buf`)
    bool eof = false;         // every writer has closed
    bool wouldBlock = false;  // nothing more right now
};

// One read(2) of at most `max` bytes, appended to `out`. EINTR is retried; other errors throw
// std::system_error.
ReadResult readSome(int fd, std::string& out, size_t max);
// The same into `buf` (at most `max` bytes; `bytes` says how many): no allocation, no zero-filling.
ReadResult readSome(int fd, char* buf, size_t max);

}  // namespace sup::os
