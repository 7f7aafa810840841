#include "core/ExitStatus.h"

#include <sys/wait.h>

#include "ServiceSpec.h"  // sup::signalName

namespace sup {

ExitStatus ExitStatus::fromWaitStatus(int status) {
    ExitStatus e;
    if (WIFSIGNALED(status)) {
        e.signaled = true;
        e.signal = WTERMSIG(status);
        e.coreDumped = WCOREDUMP(status);
    } else if (WIFEXITED(status)) {
        e.code = WEXITSTATUS(status);
    }
    // Stopped/continued statuses never reach here: we do not wait with WUNTRACED/WCONTINUED.
    return e;
}

std::string ExitStatus::describe() const {
    if (!signaled) return "exit " + std::to_string(code);
    if (oomKilled) return "killed by the OOM killer, signal " + signalName(signal);
    std::string out = "signal " + signalName(signal);
    if (coreDumped) out += " (core dumped)";
    return out;
}

}  // namespace sup
