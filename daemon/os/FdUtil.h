// Small fd flag helpers shared by the OS primitives.
#pragma once

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

}  // namespace sup::os
