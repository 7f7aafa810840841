// Everything the Supervisor asks of the operating system about its children: spawn with captured
// output, reap, signal, look at what is left of a process group, and one timer. RealProcessHost makes
// the syscalls; the deterministic simulation (tests/sim) replaces it with a fake that makes none, so
// the real Supervisor can be driven through millions of event orderings from a seed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Clock.h"
#include "os/Reaper.h"
#include "os/Spawner.h"

namespace sup::os {

enum class Stream { Out, Err };

// One datagram that arrived on a spawn's own NOTIFY_SOCKET (the sd_notify protocol), with who sent it.
// The host does not judge it; the supervisor accepts it only from the instance's main process or its
// session (SCM_CREDENTIALS), so one instance cannot make another ready.
// Where a child's stdout or stderr goes.
enum class Wiring {
    Pipe,     // a pipe of its own to the daemon (onOutput)
    Discard,  // /dev/null: no pipe, no fd kept, nothing to read
    Merge,    // stderr only: the same fd as stdout, pipe or /dev/null
};
struct OutputWiring {
    Wiring out = Wiring::Pipe;
    Wiring err = Wiring::Merge;
};

struct NotifyDatagram {
    pid_t senderPid = 0;      // from SCM_CREDENTIALS; 0 = none attached
    pid_t senderSession = 0;  // getsid(senderPid) when it arrived; 0 = unknown (the sender is gone)
    uid_t senderUid = static_cast<uid_t>(-1);
    std::string text;  // as sent, at most 4096 bytes (systemd's limit); fds it carried are closed
};

class ProcessHost {
  public:
    // Names one spawn's output and exec status, chosen by the caller. It outlives the pid: output may
    // still arrive from processes the main one left behind after it was reaped.
    using Token = std::uint64_t;

    class Events {
      public:
        virtual ~Events() = default;
        virtual void onOutput(Token token, Stream stream, std::string_view data) = 0;
        virtual void onOutputClosed(Token token, Stream stream) = 0;  // EOF: every writer is gone
        // Once per spawn: nullopt = the child exec'd, else why it failed before exec.
        virtual void onExecStatus(Token token, const std::optional<SpawnError>& error) = 0;
        virtual void onTimer() = 0;
        // A datagram on the token's NOTIFY_SOCKET (only for spawns with notifySocket).
        virtual void onNotify(Token token, const NotifyDatagram& datagram) = 0;
    };

    struct Spawned {
        pid_t pid = -1;
        std::optional<SpawnError> error;  // set when no child exists
    };

    virtual ~ProcessHost() = default;
    virtual void setEvents(Events* events) = 0;

    // Starts a child in its own session (so its pid is its process group), its stdout and stderr wired
    // as `output` says. request.stdoutFd/stderrFd are ignored.
    // With notifySocket, the child gets NOTIFY_SOCKET naming a datagram socket of its own, which
    // delivers onNotify until closeOutput(token).
    virtual Spawned spawn(Token token, const SpawnRequest& request, OutputWiring output,
                          bool notifySocket) = 0;
    // Delivers the exec status if it was not delivered yet: the child's last word before its exit,
    // handled before the exit is.
    virtual void flushExecStatus(Token token) = 0;
    // Delivers what the token's pipes (and notify socket) still hold, then closes them (no more events
    // for the token).
    virtual void closeOutput(Token token) = 0;

    // Every child that has ended, without blocking.
    virtual std::vector<ReapedChild> reap() = 0;
    // 0 or an errno. signal() targets the not-yet-reaped pid only (through its pidfd when there is one).
    virtual int signal(pid_t pid, int sig) = 0;
    virtual int signalGroup(pid_t pgid, int sig) = 0;
    // Processes still in that process group ("4242 sleep"), at most `max` of them; empty = none.
    virtual std::vector<std::string> groupMembers(pid_t pgid, std::size_t max) = 0;
    // Our own children that are still alive (orphans re-parented to us included).
    virtual std::vector<pid_t> children() = 0;

    // One-shot: Events::onTimer at `when` (nullopt = never). Cheap to call often.
    virtual void armTimer(std::optional<TimePoint> when) = 0;
};

}  // namespace sup::os
