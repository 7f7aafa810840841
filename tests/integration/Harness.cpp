#include "integration/Harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace sup::test {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
    std::string templ = "/tmp/" + prefix + ".XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    path_ = templ;
    ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void writeFile(const std::string& path, const std::string& content) {
    // Write then rename, so a daemon reloading concurrently never reads half a file.
    std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        if (!f) throw std::runtime_error("cannot write " + tmp);
        f << content;
    }
    fs::rename(tmp, path);
}

std::string readFile(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (cond()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return cond();
        std::this_thread::sleep_for(10ms);
    }
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                         std::optional<uid_t> asUid, std::chrono::milliseconds timeout) {
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) < 0 || ::pipe2(errPipe, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto key = kv.substr(0, kv.find('='));
        if (!env.count(key)) envStrings.push_back(kv);
    }
    for (auto& [k, v] : env) envStrings.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : envStrings) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        ::dup2(outPipe[1], 1);
        ::dup2(errPipe[1], 2);
        if (asUid) {
            gid_t gid = static_cast<gid_t>(*asUid);  // nobody:nogroup are 65534:65534 on Debian
            if (::setgroups(0, nullptr) < 0 || ::setresgid(gid, gid, gid) < 0 ||
                ::setresuid(*asUid, *asUid, *asUid) < 0)
                ::_exit(126);
        }
        ::execvpe(cargv[0], cargv.data(), cenv.data());  // PATH lookup for busctl, gdbus, ...
        ::_exit(127);
    }
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    CommandResult r;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int open = 2;
    while (open > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[65536];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

TestBus::TestBus() : TestBus(false) {}

TestBus::TestBus(bool restartable) : dir_("supbus"), restartable_(restartable) {
    const std::string sock = dir_ / "bus.sock";
    const std::string conf = dir_ / "bus.conf";
    writeFile(conf,
              "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
              " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
              "<busconfig><type>custom</type><listen>unix:path=" +
                  sock +
                  "</listen><auth>EXTERNAL</auth>\n"
                  "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                  "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/></policy>"
                  "</busconfig>\n");
    address_ = start();
    if (restartable_) address_ = "unix:path=" + sock;
    ::chmod(dir_.path().c_str(), 0755);
}

std::string TestBus::start() {
    const std::string sock = dir_ / "bus.sock";
    const std::string conf = dir_ / "bus.conf";
    int outPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) < 0) throw std::runtime_error("pipe2");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork dbus-daemon");
    if (pid_ == 0) {
        ::dup2(outPipe[1], 1);
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) ::dup2(devnull, 0);
        std::string cfg = "--config-file=" + conf;
        ::execlp("dbus-daemon", "dbus-daemon", cfg.c_str(), "--nofork", "--print-address=1", nullptr);
        ::_exit(127);
    }
    ::close(outPipe[1]);
    // dbus-daemon prints the address once it listens.
    std::string line;
    char c;
    while (true) {
        ssize_t n = ::read(outPipe[0], &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        line += c;
    }
    ::close(outPipe[0]);
    if (line.empty()) throw std::runtime_error("dbus-daemon did not start");
    ::chmod(sock.c_str(), 0777);
    return line;
}

void TestBus::kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int st;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

void TestBus::restart() {
    if (!restartable_) throw std::logic_error("TestBus::restart() needs TestBus(true)");
    kill();
    (void)start();
}

TestBus::~TestBus() {
    kill();
}

Daemon::Daemon(const TestBus& bus, std::string confDir, std::vector<std::string> extraArgs,
               std::map<std::string, std::string> extraEnv)
    : Daemon(bus, std::move(confDir),
             DaemonOptions{std::move(extraArgs), std::move(extraEnv), "", std::nullopt}) {}

Daemon::Daemon(const TestBus& bus, std::string confDir, const DaemonOptions& options)
    : bus_(bus), confDir_(std::move(confDir)), runDir_("supd") {
    auto extraArgs = options.args;
    auto extraEnv = options.env;
    stateDir_ = runDir_ / "state";
    logPath_ = runDir_ / "daemon.log";
    std::vector<std::string> argv = {SUPERVISORD_BIN, "-c",          confDir_, "--state-dir",
                                     stateDir_,       "--log-level", "debug"};
    if (options.logLevelFromConfig) argv.resize(argv.size() - 2);
    for (auto& a : extraArgs) argv.push_back(a);
    extraEnv["DBUS_SYSTEM_BUS_ADDRESS"] = bus_.address();
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        if (!extraEnv.count(kv.substr(0, kv.find('=')))) envStrings.push_back(kv);
    }
    for (auto& [k, v] : extraEnv) envStrings.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : envStrings) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    int logFd = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logFd < 0) throw std::runtime_error("open daemon log");
    const std::string cgroupProcs = options.cgroupProcs;
    const std::string self = "0";  // writing 0 to cgroup.procs moves the writer itself
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork supervisord");
    if (pid_ == 0) {
        ::dup2(logFd, 1);
        ::dup2(logFd, 2);
        if (!cgroupProcs.empty()) {
            int fd = ::open(cgroupProcs.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ::write(fd, self.c_str(), self.size()) < 0) ::_exit(125);
            ::close(fd);
        }
        if (options.rlimitNproc) {
            rlimit rl{*options.rlimitNproc, *options.rlimitNproc};
            if (::setrlimit(RLIMIT_NPROC, &rl) < 0) ::_exit(124);
        }
        ::execve(cargv[0], cargv.data(), cenv.data());
        ::_exit(127);
    }
    ::close(logFd);
}

Daemon::~Daemon() {
    if (pid_ > 0 && exitStatus_ < 0) {
        if (terminate(30s) < 0) {
            ::kill(pid_, SIGKILL);
            waitExit(10s);
        }
    }
}

bool Daemon::running() {
    if (exitStatus_ >= 0) return false;
    int st;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        exitStatus_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return false;
    }
    return true;
}

int Daemon::waitExit(std::chrono::milliseconds timeout) {
    waitFor([&] { return !running(); }, timeout);
    return exitStatus_;
}

int Daemon::terminate(std::chrono::milliseconds timeout) {
    if (!running()) return exitStatus_;
    ::kill(pid_, SIGTERM);
    return waitExit(timeout);
}

bool Daemon::waitReady(std::chrono::milliseconds timeout) {
    return waitFor(
               [&] {
                   if (!running()) return true;  // fail fast: the caller checks running()
                   // 4 is "status unknown": nobody answers yet (status without a pattern matches all).
                   int rc = ctl({"status"}).exitCode;
                   return rc == 0 || rc == 3;
               },
               timeout) &&
           running();
}

CommandResult Daemon::ctl(const std::vector<std::string>& args, std::optional<uid_t> asUid) const {
    std::vector<std::string> argv = {SUPCTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_.address()}, {"NO_COLOR", "1"}}, asUid);
}

nlohmann::json Daemon::status() const {
    auto r = ctl({"status", "--json"});
    try {
        auto j = nlohmann::json::parse(r.out);
        if (j.is_array()) return j;
    } catch (const std::exception&) {
    }
    return nlohmann::json::array();
}

nlohmann::json Daemon::process(const std::string& name) const {
    for (auto& p : status())
        if (p.value("name", "") == name) return p;
    return nullptr;
}

std::string Daemon::stateOf(const std::string& name) const {
    auto p = process(name);
    return p.is_null() ? "" : p.value("state", "");
}

pid_t Daemon::pidOf(const std::string& name) const {
    auto p = process(name);
    return p.is_null() ? 0 : p.value("pid", 0);
}

bool Daemon::waitState(const std::string& name, const std::string& state,
                       std::chrono::milliseconds timeout) const {
    return waitFor([&] { return stateOf(name) == state; }, timeout);
}

namespace {
std::vector<pid_t> allPids() {
    std::vector<pid_t> out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        char* end;
        long pid = std::strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        out.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
    return out;
}
}  // namespace

std::vector<pid_t> childrenOf(pid_t parent) {
    std::vector<pid_t> out;
    for (pid_t pid : allPids()) {
        std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
        auto rp = stat.rfind(')');
        if (rp == std::string::npos) continue;
        std::istringstream is(stat.substr(rp + 2));
        char state;
        long ppid;
        is >> state >> ppid;
        if (ppid == parent) out.push_back(pid);
    }
    return out;
}

bool isZombie(pid_t pid) {
    std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    auto rp = stat.rfind(')');
    return rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] == 'Z';
}

bool processExists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::string cmdlineOf(pid_t pid) {
    std::string raw = readFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (!raw.empty() && raw.back() == '\0') raw.pop_back();
    std::replace(raw.begin(), raw.end(), '\0', ' ');
    return raw;
}

pid_t parentOf(pid_t pid) {
    std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    auto rp = stat.rfind(')');
    if (rp == std::string::npos || rp + 2 >= stat.size()) return 0;
    std::istringstream is(stat.substr(rp + 2));
    char state;
    long ppid = 0;
    is >> state >> ppid;
    return static_cast<pid_t>(ppid);
}

std::vector<pid_t> processesWithCmdline(const std::string& cmdline) {
    std::vector<pid_t> out;
    for (pid_t pid : allPids())
        if (cmdlineOf(pid) == cmdline && !isZombie(pid)) out.push_back(pid);
    return out;
}

std::vector<pid_t> processesWithEnvironment(const std::string& entry) {
    std::vector<pid_t> out;
    for (pid_t pid : allPids()) {
        std::string env = readFile("/proc/" + std::to_string(pid) + "/environ");
        std::string_view rest = env;
        bool hit = false;
        while (!rest.empty() && !hit) {
            auto nul = rest.find('\0');
            hit = rest.substr(0, nul) == entry;
            rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
        }
        if (hit && !isZombie(pid)) out.push_back(pid);
    }
    return out;
}

void killAll(const std::vector<pid_t>& pids) {
    for (pid_t pid : pids)
        if (pid > 1) ::kill(pid, SIGKILL);
}

std::string firstTroubleLine(const std::string& log) {
    static const char* const kTrouble[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                           "runtime error:", "[critical]"};
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
        for (const char* t : kTrouble)
            if (line.find(t) != std::string::npos) return line;
    return "";
}

}  // namespace sup::test
