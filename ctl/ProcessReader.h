// Reads process dictionaries (a{sv}) and process rows (see io.supervisord.xml) straight from a reply
// message, with sd-bus itself. sdbus-c++ 1.2 backs every sdbus::Variant with its own sd_bus_message
// and its readers cost std::strings per container, so decoding 1000 processes x 26 keys through them
// spent most of `supctl status` in malloc; walking the message in place avoids that.
#pragma once

#include <vector>

#include "ctl/Model.h"

namespace sdbus {
class Message;
}

namespace sup::ctl {

// The reply is positioned at an aa{sv} (ListProcesses).
std::vector<ProcessRecord> readProcessList(sdbus::Message& reply);
// The reply is positioned at the array of process rows of ListProcessRows (see io.supervisord.xml).
std::vector<ProcessRecord> readProcessRows(sdbus::Message& reply);
// The reply is positioned at an a{sv} (GetProcess).
ProcessRecord readProcess(sdbus::Message& reply);

}  // namespace sup::ctl
