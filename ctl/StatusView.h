// `supctl status` for people: the table, and the exit code scripts rely on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/Model.h"

namespace sup::ctl {

// NAME STATE PID IN-STATE RESTARTS LAST-EXIT REASON. IN-STATE is how long the process has been in its
// STATE: since its start for a RUNNING process (its uptime), since the last state change for the
// others. `nowUsec` is CLOCK_REALTIME.
std::string renderStatusTable(const std::vector<ProcessRecord>& processes, std::int64_t nowUsec, bool colour);

// The REASON cell: the daemon's reason, the spawn error of a failing process, and once, counting down,
// when the next try is due.
std::string describeReason(const ProcessRecord& p, std::int64_t nowUsec);

// 4 when a pattern matched nothing, else 3 when a listed process is not RUNNING, else 0.
int statusExitCode(const std::vector<ProcessRecord>& listed, bool somePatternUnmatched);

// The SGR colour of a state ("" for none).
std::string stateStyle(const ProcessRecord& p);

}  // namespace sup::ctl
