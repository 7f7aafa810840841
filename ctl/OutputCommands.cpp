// tail [-f]: a process's output, from the daemon's in-memory tail.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include <sdbus-c++/Error.h>

#include "ctl/Commands.h"
#include "ctl/ExitCode.h"
#include "ctl/Terminal.h"

namespace sup::ctl {

namespace {

// Owns the pipe Follow returned.
class FollowFd {
  public:
    explicit FollowFd(int fd) : fd_(fd) {}
    ~FollowFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    FollowFd(const FollowFd&) = delete;
    FollowFd& operator=(const FollowFd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// Copies the pipe to stdout until Ctrl-C, a closed stdout, or the daemon closing its end.
int pump(Context& c, int fd, const std::string& name) {
    char buf[65536];
    while (!interrupted()) {
        pollfd pfd{fd, POLLIN, 0};
        int n = pollInterruptibly(&pfd, 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;  // the loop condition sees an interrupt
            c.error(std::string("poll: ") + std::strerror(errno));
            return kExitFailure;
        }
        ssize_t got = ::read(fd, buf, sizeof buf);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            c.error(std::string("reading the output of ") + name + ": " + std::strerror(errno));
            return kExitFailure;
        }
        if (got == 0) {
            // The daemon ended the stream: it is shutting down, the process was removed by a
            // reload, or we fell too far behind (its last line says so).
            c.error("supervisord closed the output stream of " + name);
            return kExitFailure;
        }
        if (!writeAll(STDOUT_FILENO, std::string_view(buf, static_cast<std::size_t>(got))))
            return kExitOk;  // the reader went away (`| head`): a normal way to stop following
    }
    return kExitOk;
}

// Interleaving the output of several instances would make it unreadable (and -f cannot say which
// line came from which), so a group name is refused with the instances to choose from.
int refuseGroup(Context& c, const std::string& name) {
    auto members = c.bus().groupInstances(name);
    if (members.empty()) return -1;
    std::string list;
    for (const auto& m : members) list += (list.empty() ? "" : ", ") + m;
    c.error("'" + name + "' is a group of " + std::to_string(members.size()) +
            " instances; tail one of them: " + list);
    return kExitUsage;
}

int tailOrFollow(Context& c) {
    const auto& inv = c.inv();
    const std::string& name = inv.args.front();
    const std::string stream = inv.stderrStream ? "stderr" : "stdout";
    if (!inv.follow) {
        if (!inv.allLines && inv.lines == 0) {
            c.bus().getProcess(name);  // still say so when the name is wrong
            return kExitOk;
        }
        c.out(c.bus().tail(name, stream, inv.allLines ? 0 : inv.lines));
        return kExitOk;
    }
    catchInterrupts();
    const std::uint32_t lines = inv.allLines ? std::numeric_limits<std::uint32_t>::max() : inv.lines;
    FollowFd fd(c.bus().follow(name, stream, lines));
    return pump(c, fd.get(), name);
}

}  // namespace

int runTail(Context& c) {
    try {
        return tailOrFollow(c);
    } catch (const sdbus::Error& e) {
        if (e.getName() != bus_errors::kNoSuchProcess) throw;
        if (int rc = refuseGroup(c, c.inv().args.front()); rc >= 0) return rc;
        throw;
    }
}

}  // namespace sup::ctl
