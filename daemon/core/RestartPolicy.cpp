#include "core/RestartPolicy.h"

#include <algorithm>
#include <csignal>

namespace sup {

bool isCleanExit(const ServiceSpec& spec, const ExitStatus& exit) {
    if (exit.signaled)
        return exit.signal == SIGHUP || exit.signal == SIGINT || exit.signal == SIGTERM ||
               exit.signal == SIGPIPE;
    return std::find(spec.successExitCodes.begin(), spec.successExitCodes.end(), exit.code) !=
           spec.successExitCodes.end();
}

bool shouldRestart(const ServiceSpec& spec, const ExitStatus& exit) {
    switch (spec.restart) {
        case RestartMode::Always:
            return true;
        case RestartMode::OnFailure:
            return !isCleanExit(spec, exit);
        case RestartMode::Never:
            return false;
    }
    return false;
}

}  // namespace sup
