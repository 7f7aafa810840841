// Small helpers shared by the OS primitives: errors, fd flags, directories.
#pragma once

#include <sys/types.h>

#include <string>

namespace sup::os {

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
