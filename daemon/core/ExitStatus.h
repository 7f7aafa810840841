// How one run of a process ended, decoded from a wait status, plus what it cost.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sup {

struct ExitStatus {
    bool signaled = false;
    int code = 0;    // exit code when !signaled
    int signal = 0;  // terminating signal when signaled
    bool coreDumped = false;
    bool oomKilled = false;  // SIGKILL from the kernel's OOM killer (see OomKillWatch)
    std::chrono::microseconds cpuUser{0};
    std::chrono::microseconds cpuSystem{0};
    long maxRssKiB = 0;

    static ExitStatus fromWaitStatus(int status);
    static ExitStatus exited(int code) {
        ExitStatus e;
        e.code = code;
        return e;
    }
    static ExitStatus killed(int sig) {
        ExitStatus e;
        e.signaled = true;
        e.signal = sig;
        return e;
    }

    // "exit 0", "exit 3", "signal KILL", "signal SEGV (core dumped)",
    // "killed by the OOM killer, signal KILL"
    std::string describe() const;
    // A shell-style number: code, or 128+signal.
    int shellStatus() const { return signaled ? 128 + signal : code; }
};

}  // namespace sup
