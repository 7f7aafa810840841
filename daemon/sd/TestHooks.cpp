#include "sd/TestHooks.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace sup::sd {

bool testHooksEnabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("SUPERVISORD_TEST_HOOKS");
        return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return enabled;
}

bool wedgeEventLoopIfTestHooksEnabled() {
    if (!testHooksEnabled()) return false;
    spdlog::warn("test hook: SIGUSR2 received, wedging the event loop on purpose");
    spdlog::default_logger()->flush();
    // sleep(), not a busy loop: the point is a silent, stuck loop, not a CPU hog. Signals the daemon
    // handles are blocked (signalfd), so only an unblocked fatal signal such as the watchdog's
    // SIGABRT or SIGKILL ends this.
    for (;;) ::sleep(3600);
}

}  // namespace sup::sd
