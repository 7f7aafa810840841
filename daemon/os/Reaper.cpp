#include "os/Reaper.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <system_error>

namespace sup::os {

std::vector<ReapedChild> reapAll() {
    std::vector<ReapedChild> out;
    for (;;) {
        ReapedChild child;
        pid_t pid = ::wait4(-1, &child.status, WNOHANG, &child.usage);
        if (pid == 0) return out;  // children remain, none has ended
        if (pid < 0) {
            if (errno == EINTR) continue;
            if (errno == ECHILD) return out;
            throw std::system_error(errno, std::generic_category(), "wait4");
        }
        child.pid = pid;
        out.push_back(child);
    }
}

ExitStatus toExitStatus(const ReapedChild& child) {
    ExitStatus status = ExitStatus::fromWaitStatus(child.status);
    auto micros = [](const timeval& tv) {
        return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
    };
    status.cpuUser = micros(child.usage.ru_utime);
    status.cpuSystem = micros(child.usage.ru_stime);
    status.maxRssKiB = child.usage.ru_maxrss;  // Linux reports kilobytes
    return status;
}

void becomeSubreaper() {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) < 0)
        throw std::system_error(errno, std::generic_category(), "prctl(PR_SET_CHILD_SUBREAPER)");
}

}  // namespace sup::os
