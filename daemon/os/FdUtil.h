// Small helpers shared by the OS primitives: errors, fd flags, directories.
#pragma once

#include <sys/types.h>

#include <string>

#include "os/UniqueFd.h"

namespace sup::os {

// Descriptors the daemon keeps for as long as a service lives (pidfds, output read ends, log files,
// notify sockets) are moved to numbers at or above this floor. The low numbers then hold only the
// daemon's few own descriptors and the ones a spawn is about to hand to its child, and the child copies
// just those from the shared table (runChild's CLOSE_RANGE_UNSHARE) instead of copying and closing one
// per service: with 3,000 services that closing was about half the daemon's start-up time.
constexpr int kLongLivedFdFloor = 1024;

// Moves fd to the lowest free number >= kLongLivedFdFloor, close-on-exec. Leaves it where it is when it
// already sits there or when there is no room (RLIMIT_NOFILE): only the spawn cost depends on it.
void parkLongLived(UniqueFd& fd) noexcept;

// Throws std::system_error for the current errno with the message "what subject". errno is read before
// the message is built: building a string allocates, which may disturb errno, and the order in which
// a call's arguments are evaluated is unspecified.
[[noreturn]] void throwErrno(const char* what, const std::string& subject = {});

// Sets or clears O_NONBLOCK on fd. Throws std::system_error.
void setNonBlocking(int fd, bool nonBlocking);
// Sets or clears FD_CLOEXEC on fd. Throws std::system_error.
void setCloseOnExec(int fd, bool closeOnExec);

// mkdir -p of the absolute path dir, each missing directory with mode (less the umask); existing ones are
// left as they are. Throws std::system_error naming the directory that could not be made.
void makeDirectories(const std::string& dir, mode_t mode);

}  // namespace sup::os
