// Test-only behaviour, off unless the daemon's environment has SUPERVISORD_TEST_HOOKS=1.
// The end-to-end test uses it to prove that systemd's watchdog restarts a daemon whose event loop
// is stuck; nothing else can wedge the loop on purpose.
#pragma once

namespace sup::sd {

// Read once, at first call. Call it early (main) so the answer does not change later.
bool testHooksEnabled();

// The SIGUSR2 handler calls this. With test hooks enabled it never returns: the loop thread blocks,
// watchdog pings stop, and systemd kills the daemon (WatchdogSignal, then SIGKILL). Without test
// hooks it does nothing and returns false, so SIGUSR2 stays harmless in production.
bool wedgeEventLoopIfTestHooksEnabled();

}  // namespace sup::sd
