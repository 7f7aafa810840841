// The one-line summary systemd shows as the unit's Status ("12 running, 1 backoff, 0 fatal").
#pragma once

#include <string>

#include "supervisor/Supervisor.h"

namespace sup {

std::string statusLine(const Supervisor& sup);

}  // namespace sup
