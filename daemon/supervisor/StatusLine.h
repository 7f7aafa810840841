// The one-line summary systemd shows as the unit's Status ("12 running, 1 backoff, 0 fatal").
#pragma once

#include <string>
#include <string_view>

#include "supervisor/Supervisor.h"

namespace sup {

// `busTrouble`, when not empty, is appended ("...; D-Bus: system bus lost, reconnecting").
std::string statusLine(const Supervisor& sup, std::string_view busTrouble = {});

}  // namespace sup
