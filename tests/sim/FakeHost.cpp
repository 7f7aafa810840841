#include "sim/FakeHost.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

namespace sup::sim {

namespace {
int signalled(int sig) {
    return sig & 0x7f;  // a wait status for "killed by sig"
}
int exitedWith(int code) {
    return (code & 0xff) << 8;
}
std::string instanceOf(const os::SpawnRequest& req) {
    for (auto& e : req.env)
        if (e.rfind("SUPERVISOR_PROCESS_NAME=", 0) == 0) return e.substr(24);
    return "?";
}
}  // namespace

Behaviour behaviourOf(const std::vector<std::string>& argv) {
    const std::string& p = argv.empty() ? std::string() : argv.front();
    if (p == "ignore-term") return Behaviour::TermIgnorer;
    if (p == "daemonizer") return Behaviour::Daemonizer;
    if (p == "escaper") return Behaviour::Escaper;
    return Behaviour::Sleeper;
}

os::ProcessHost::Spawned FakeHost::spawn(Token token, const os::SpawnRequest& request,
                                         os::OutputWiring output, bool) {
    Spawned out;
    const std::string name = instanceOf(request);
    if (pipeFails) {
        out.error = os::SpawnError{"pipe", EMFILE, "output pipe"};
        transient_.insert(name);
        return out;
    }
    if (forkFails) {
        out.error = os::SpawnError{"fork", EAGAIN, request.argv.empty() ? "" : request.argv.front()};
        transient_.insert(name);
        return out;
    }
    if (nextSpawnFails) {
        nextSpawnFails = false;
        out.error = os::SpawnError{"argv", EINVAL, "empty command"};
        return out;
    }
    ++spawns_;
    FakeProcess p;
    p.pid = nextPid_++;
    p.pgid = p.pid;
    p.instance = name;
    p.main = true;
    const Behaviour b = behaviourOf(request.argv);
    p.ignoresTerm = b == Behaviour::TermIgnorer;
    procs_[p.pid] = p;
    tokenOf_[p.pid] = token;
    open_[token] = p.pid;
    if (output.out == os::Wiring::Discard) discardedOut_.insert(token);
    out.pid = p.pid;
    if (nextExecFails) {
        nextExecFails = false;
        execStatus_.push_back({token, os::SpawnError{"exec", ENOENT, request.argv.front()}});
        die(procs_[p.pid], exitedWith(127));
        return out;
    }
    execStatus_.push_back({token, std::nullopt});
    if (b == Behaviour::Daemonizer || b == Behaviour::Escaper) {
        FakeProcess child;
        child.pid = nextPid_++;
        child.ppid = p.pid;
        child.pgid = b == Behaviour::Escaper ? child.pid : p.pgid;
        child.instance = name;
        child.ignoresTerm = request.argv.size() > 1 && request.argv[1] == "stubborn";
        procs_[child.pid] = child;
        tokenOf_[child.pid] = token;
    }
    return out;
}

void FakeHost::renameInstance(const std::string& from, const std::string& to) {
    for (auto& [pid, p] : procs_)
        if (p.instance == from) p.instance = to;
    for (auto* names : {&transient_, &ended_})
        if (names->erase(from)) names->insert(to);
}

void FakeHost::die(FakeProcess& p, int waitStatus) {
    if (!p.alive) return;
    p.alive = false;
    p.waitStatus = waitStatus;
    if (p.main) ended_.insert(p.instance);
    // Its children are re-parented to us: we are a subreaper.
    for (auto& [pid, q] : procs_)
        if (q.ppid == p.pid) q.ppid = 0;
    // A child of another fake process is reaped by that parent: it simply vanishes.
    if (p.ppid != 0) {
        pid_t gone = p.pid;
        tokenOf_.erase(gone);
        procs_.erase(gone);
    }
}

void FakeHost::flushExecStatus(Token token) {
    auto it = std::find_if(execStatus_.begin(), execStatus_.end(), [&](auto& e) { return e.token == token; });
    if (it == execStatus_.end()) return;
    auto error = it->error;
    execStatus_.erase(it);
    if (events_) events_->onExecStatus(token, error);
}

bool FakeHost::deliverExecStatus() {
    if (execStatus_.empty()) return false;
    auto e = execStatus_.front();
    execStatus_.erase(execStatus_.begin());
    if (events_) events_->onExecStatus(e.token, e.error);
    return true;
}

void FakeHost::closeOutput(Token token) {
    flushExecStatus(token);
    const bool piped = !discardedOut_.erase(token);
    if (open_.erase(token) && piped && events_) events_->onOutputClosed(token, os::Stream::Out);
}

void FakeHost::writeOutput(pid_t pid, const std::string& line) {
    auto t = tokenOf_.find(pid);
    if (t == tokenOf_.end() || !open_.count(t->second) || !events_) return;
    if (discardedOut_.count(t->second)) return;  // /dev/null
    lastOutput_ = line;
    outputBytes_ += line.size();
    events_->onOutput(t->second, os::Stream::Out, line);
}

void FakeHost::notify(pid_t pid, const std::string& text) {
    auto t = tokenOf_.find(pid);
    if (t == tokenOf_.end() || !open_.count(t->second) || !events_) return;
    os::NotifyDatagram datagram;
    datagram.senderPid = pid;
    datagram.senderSession = pid;
    datagram.senderUid = 0;
    datagram.text = text;
    events_->onNotify(t->second, datagram);
}

std::vector<os::ReapedChild> FakeHost::reap() {
    std::vector<os::ReapedChild> out;
    for (auto it = procs_.begin(); it != procs_.end();) {
        if (!it->second.alive && it->second.ppid == 0) {
            os::ReapedChild c;
            c.pid = it->first;
            c.status = it->second.waitStatus;
            out.push_back(c);
            tokenOf_.erase(it->first);
            it = procs_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

bool FakeHost::hasZombies() const {
    return std::any_of(procs_.begin(), procs_.end(), [](auto& kv) { return !kv.second.alive; });
}

void FakeHost::killProcess(pid_t pid, int sig) {
    auto it = procs_.find(pid);
    if (it == procs_.end() || !it->second.alive) return;
    FakeProcess& p = it->second;
    if (sig == SIGKILL || ((sig == SIGTERM || sig == SIGINT || sig == SIGHUP) && !p.ignoresTerm))
        die(p, signalled(sig));
}

void FakeHost::exit(pid_t pid, int code) {
    auto it = procs_.find(pid);
    if (it == procs_.end() || !it->second.alive) return;
    die(it->second, exitedWith(code));
}

int FakeHost::signal(pid_t pid, int sig) {
    auto it = procs_.find(pid);
    if (it == procs_.end() || it->second.ppid != 0) return ESRCH;  // reaped (a pidfd says ESRCH)
    killProcess(pid, sig);
    return 0;
}

int FakeHost::signalGroup(pid_t pgid, int sig) {
    std::vector<pid_t> members;
    for (auto& [pid, p] : procs_)
        if (p.pgid == pgid) members.push_back(pid);
    if (members.empty()) return ESRCH;
    for (pid_t pid : members) killProcess(pid, sig);
    return 0;
}

std::vector<std::string> FakeHost::groupMembers(pid_t pgid, std::size_t max) {
    std::vector<std::string> out;
    for (auto& [pid, p] : procs_)
        if (p.pgid == pgid && p.alive && out.size() < max) out.push_back(std::to_string(pid) + " fake");
    return out;
}

std::vector<pid_t> FakeHost::children() {
    std::vector<pid_t> out;
    for (auto& [pid, p] : procs_)
        if (p.ppid == 0) out.push_back(pid);
    return out;
}

std::vector<pid_t> FakeHost::live() const {
    std::vector<pid_t> out;
    for (auto& [pid, p] : procs_)
        if (p.alive) out.push_back(pid);
    return out;
}

}  // namespace sup::sim
