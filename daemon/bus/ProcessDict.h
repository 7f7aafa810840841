// A process instance as the a{sv} dictionary of ListProcesses/GetProcess (keys documented in
// io.supervisord.xml; supctl reads them by these names). One list of fields, two encodings.
#pragma once

#include <map>
#include <string>

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include "supervisor/Control.h"

namespace sup::bus {

using ProcessDict = std::map<std::string, sdbus::Variant>;

// As sdbus-c++ values (one sd_bus_message per Variant: fine for one process).
ProcessDict toProcessDict(const ProcessInfo& info);

// Appends one a{sv} straight into a message being built (for the whole list at once).
void appendProcessDict(sdbus::Message& msg, const ProcessInfo& info);

// A process row of ListProcessRows: the dictionary's values in its key order, then an a{sv} of keys
// added later (empty today). The struct's contents ("sssuu...oa{sv}", without the parentheses).
const std::string& processRowContents();
// Appends one row straight into a message being built.
void appendProcessRow(sdbus::Message& msg, const ProcessInfo& info);

}  // namespace sup::bus
