// supctl's exit codes. They follow systemctl and the LSB init-script conventions, so scripts written
// for `systemctl status` keep working: 3 = not running, 4 = no such unit.
#pragma once

namespace sup::ctl {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,        // the daemon refused, could not be reached, or a wait timed out
    kExitUsage = 2,          // the command line is wrong
    kExitNotRunning = 3,     // status: a listed process is not RUNNING
    kExitNoSuchProcess = 4,  // a name or pattern matched nothing
    // status, is-active, is-failed when supervisord cannot be reached: LSB's "program or service
    // status is unknown" (the same number), so `supctl status || restart-it` never mistakes an
    // unreachable daemon for a stopped process (3) or a refusal (1).
    kExitStatusUnknown = 4,
};

}  // namespace sup::ctl
