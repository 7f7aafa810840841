// RLIMIT_NOFILE for a daemon that holds a few descriptors per service (output pipes, pidfds): the soft
// limit, 1024 under systemd, would refuse the pipes of the ~350th service. As systemd itself does, the
// daemon raises its soft limit to the hard one and gives every child the original soft limit back, so
// that programs using select() (which cannot see fds >= 1024) keep the limit they expect.
#pragma once

#include <sys/resource.h>

#include <optional>

namespace sup::os {

// Raises the soft limit to the hard one. Returns the limits to give children (the original ones), or
// nullopt when nothing changed (already equal, or the call failed: the error is logged).
std::optional<rlimit> raiseNofileLimit();

}  // namespace sup::os
