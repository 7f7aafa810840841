// Method arguments given as text ("HUP", "stderr"), checked and turned into values; bad ones leave
// as io.supervisord.Error.InvalidArgument.
#pragma once

#include <string>

#include "supervisor/Control.h"

namespace sup::bus {

int signalArgument(const std::string& text);           // "HUP", "SIGHUP", "hup", "1"
OutputStream streamArgument(const std::string& text);  // "stdout" or "stderr"

}  // namespace sup::bus
