// The few things supctl needs from its terminal: whether to colour, writing that survives EINTR
// and a closed pipe, and Ctrl-C as a flag for `tail -f`.
#pragma once

#include <poll.h>

#include <string_view>

namespace sup::ctl {

// Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb.
bool colourWanted(int fd);

// Whether the locale (LC_ALL, else LC_CTYPE, else LANG) is UTF-8, so box-drawing glyphs display; the
// same test systemctl makes before drawing its trees. supctl sets no locale of its own.
bool utf8Locale();

// Writes everything unless the reader went away (EPIPE) or another error happened; false then.
bool writeAll(int fd, std::string_view data);

// SIGPIPE is ignored from the start, so a closed pipe shows up as EPIPE from write().
void ignoreSigpipe();

// SIGINT/SIGTERM set a flag instead of killing supctl. They stay blocked except inside
// pollInterruptibly(), so an interrupt can never slip in between checking the flag and sleeping.
void catchInterrupts();
bool interrupted();

// poll(2) during which SIGINT/SIGTERM are deliverable; returns -1 with EINTR when one arrived.
int pollInterruptibly(::pollfd* fds, nfds_t count, int timeoutMs);

}  // namespace sup::ctl
