// The simulation's operating system: processes, process groups, reaping, signals, exec status and
// output, with no syscall. Every child's behaviour comes from its argv[0] (see Behaviour), and every
// fault (fork EAGAIN, pipe EMFILE, exec failure) is switched on by the simulation.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "os/ProcessHost.h"

namespace sup::sim {

// What a fake program does. Chosen by the service's command[0].
enum class Behaviour {
    Sleeper,      // "sleeper": dies on TERM, INT, HUP and KILL
    TermIgnorer,  // "ignore-term": only SIGKILL ends it
    Daemonizer,   // "daemonizer": at start, leaves a background child in its group (which ignores TERM
                  // when argv[1] is "stubborn")
    Escaper,      // "escaper": at start, leaves a background child in a group of its own (escaped setsid)
};
Behaviour behaviourOf(const std::vector<std::string>& argv);

struct FakeProcess {
    pid_t pid = 0;
    pid_t ppid = 0;  // 0 = the supervisor (our child); else a fake process
    pid_t pgid = 0;
    bool alive = true;  // false: a zombie of ours until reaped
    bool ignoresTerm = false;
    int waitStatus = 0;    // once dead
    std::string instance;  // SUPERVISOR_PROCESS_NAME of the spawn it came from
    bool main = false;     // the spawned process itself, not something it started
};

class FakeHost final : public os::ProcessHost {
  public:
    // Faults, switched by the simulation.
    bool forkFails = false;       // spawn fails with EAGAIN at fork
    bool pipeFails = false;       // spawn fails with EMFILE at pipe creation
    bool nextExecFails = false;   // the next spawn's exec fails with ENOENT (child exits 127)
    bool nextSpawnFails = false;  // the next spawn fails for good, with no child (not a shortage)

    void setEvents(Events* events) override { events_ = events; }
    Spawned spawn(Token token, const os::SpawnRequest& request, os::OutputWiring output,
                  bool notifySocket) override;
    void flushExecStatus(Token token) override;
    void closeOutput(Token token) override;
    std::vector<os::ReapedChild> reap() override;
    int signal(pid_t pid, int sig) override;
    int signalGroup(pid_t pgid, int sig) override;
    std::vector<std::string> groupMembers(pid_t pgid, std::size_t max) override;
    std::vector<pid_t> children() override;
    void armTimer(std::optional<TimePoint> when) override { timer_ = when; }

    // The simulation's levers.
    std::optional<TimePoint> timer() const { return timer_; }
    // The timer fires (one-shot, as a timerfd).
    void fireTimer() {
        timer_.reset();
        if (events_) events_->onTimer();
    }
    // A live process exits by itself with `code` (as its program would).
    void exit(pid_t pid, int code);
    void killProcess(pid_t pid, int sig);  // as if someone else sent it `sig`
    // Delivers one pending exec status (the oldest), if any. False when none was pending.
    bool deliverExecStatus();
    // `pid`'s spawn writes a line of output, if its pipe is still open.
    void writeOutput(pid_t pid, const std::string& line);
    // `pid` sends `text` on its spawn's NOTIFY_SOCKET (as itself, a session leader), if still open.
    void notify(pid_t pid, const std::string& text);
    bool hasZombies() const;

    // What the invariants look at.
    const std::map<pid_t, FakeProcess>& processes() const { return procs_; }
    std::vector<pid_t> live() const;
    std::size_t openTokens() const { return open_.size(); }
    std::size_t spawnsDone() const { return spawns_; }
    // Names whose spawn failed transiently since the last call, and the names that did anything else.
    std::set<std::string> takeTransientFailures() { return std::exchange(transient_, {}); }
    // Instances whose main process ended since the last call (an exit may count as a failed start).
    std::set<std::string> takeEnded() { return std::exchange(ended_, {}); }
    // A reload renamed an instance (numprocs 1 <-> N): its processes, still running, are now its.
    void renameInstance(const std::string& from, const std::string& to);
    std::string lastOutput() const { return lastOutput_; }
    std::size_t outputBytes() const { return outputBytes_; }

  private:
    void die(FakeProcess& p, int waitStatus);
    Events* events_ = nullptr;
    std::optional<TimePoint> timer_;
    std::map<pid_t, FakeProcess> procs_;
    pid_t nextPid_ = 100;
    struct Pending {
        Token token;
        std::optional<os::SpawnError> error;
    };
    std::vector<Pending> execStatus_;  // not yet delivered, oldest first
    std::map<Token, pid_t> open_;      // tokens whose pipes are open -> main pid
    std::set<Token> discardedOut_;     // open tokens whose stdout is /dev/null: no output, no EOF
    std::map<pid_t, Token> tokenOf_;   // every process -> the token of its spawn
    std::size_t spawns_ = 0;
    std::set<std::string> transient_, ended_;
    std::string lastOutput_;
    std::size_t outputBytes_ = 0;
};

}  // namespace sup::sim
