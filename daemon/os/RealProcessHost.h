// ProcessHost over the real kernel: ForkExecLauncher, pidfds, non-blocking output pipes and a timerfd,
// all watched by the daemon's one EventLoop.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "os/EventLoop.h"
#include "os/NotifySocket.h"
#include "os/ProcessHost.h"
#include "os/TimerFd.h"
#include "os/UniqueFd.h"

namespace sup::os {

class RealProcessHost final : public ProcessHost {
  public:
    RealProcessHost(EventLoop& loop, Launcher& launcher);
    ~RealProcessHost() override;

    void setEvents(Events* events) override { events_ = events; }
    Spawned spawn(Token token, const SpawnRequest& request, OutputWiring output, bool notifySocket) override;
    void flushExecStatus(Token token) override;
    void closeOutput(Token token) override;
    std::vector<ReapedChild> reap() override;
    int signal(pid_t pid, int sig) override;
    int signalGroup(pid_t pgid, int sig) override;
    std::vector<std::string> groupMembers(pid_t pgid, std::size_t max) override;
    std::vector<pid_t> children() override;
    void armTimer(std::optional<TimePoint> when) override { wantedTimer_ = when; }

  private:
    struct Io {
        UniqueFd out, err;
        // The exec status (nullopt inside: it exec'd), known at the spawn and not yet delivered.
        std::optional<std::optional<SpawnError>> pendingExecStatus;
        std::optional<NotifySocket> notify;
    };
    // Delivers the pending exec statuses at the end of the loop's turn; true if it delivered any.
    bool deliverPendingExecStatuses();
    // Delivers `io`'s exec status if it is still pending.
    void deliverPendingExecStatus(Token token, Io& io);
    void watch(Token token, UniqueFd& slot, UniqueFd fd, int which);
    void onReadable(Token token, int which);  // 1 stdout, 2 stderr
    // Reads one chunk; false once the pipe is closed (EOF or error).
    bool readChunk(Token token, Io& io, int which);
    // Delivers one queued notify datagram; false when there is none (or no socket, or no token).
    bool deliverNotify(Token token);
    // Once the spawn's main process is reaped: delivers what its pipes hold and closes those at EOF.
    void readWhatIsLeft(Token token);
    void close(Io& io, int which);  // 1 and 2 as above, 3 the notify socket

    EventLoop& loop_;
    Launcher& launcher_;
    Events* events_ = nullptr;
    std::unordered_map<Token, Io> io_;
    std::unordered_map<pid_t, UniqueFd> pidfds_;  // until reaped: signals cannot hit a recycled pid
    std::unordered_map<pid_t, Token> tokens_;     // until reaped: whose pipes to read at the exit
    std::vector<Token> pendingExecStatus_;        // tokens whose exec status waits for the turn's end
    TimerFd timer_;
    std::optional<TimePoint> wantedTimer_, armedTimer_;
};

}  // namespace sup::os
