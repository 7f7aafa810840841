// Whether an exit is a success and whether it calls for a restart, with systemd's meaning of
// Restart=always|on-failure|no.
#pragma once

#include "ServiceSpec.h"
#include "core/ExitStatus.h"

namespace sup {

// A clean exit: an exit code listed in success_exit_codes, or death by one of the signals systemd
// also counts as clean (HUP, INT, TERM, PIPE): an operator's `kill -TERM` is a request, not a crash.
bool isCleanExit(const ServiceSpec& spec, const ExitStatus& exit);

// Whether a process that ended by itself (not stopped by us) should be started again.
bool shouldRestart(const ServiceSpec& spec, const ExitStatus& exit);

}  // namespace sup
