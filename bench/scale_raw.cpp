// The floor for bench/scale: a plain loop of posix_spawn of N `sleep` children (output to /dev/null),
// then a loop that SIGTERMs and reaps them all. Prints "spawn_s=<seconds> kill_s=<seconds>".
// Usage: bench_scale_raw N [SLEEP_PATH]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s N [SLEEP_PATH]\n", argv[0]);
        return 2;
    }
    const long n = std::strtol(argv[1], nullptr, 10);
    std::string sleepPath = argc > 2 ? argv[2] : "/bin/sleep";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char arg0[] = "sleep", arg1[] = "100000";
    char* childArgv[] = {arg0, arg1, nullptr};
    std::vector<pid_t> pids;
    pids.reserve(static_cast<std::size_t>(n));
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        pid_t pid = 0;
        int rc = posix_spawn(&pid, sleepPath.c_str(), &actions, nullptr, childArgv, environ);
        if (rc != 0) {
            std::fprintf(stderr, "posix_spawn #%ld: %s\n", i, std::strerror(rc));
            break;
        }
        pids.push_back(pid);
    }
    auto t1 = Clock::now();
    for (pid_t pid : pids) ::kill(pid, SIGTERM);
    for (std::size_t reaped = 0; reaped < pids.size();) {
        int status = 0;
        pid_t r = ::waitpid(-1, &status, 0);
        if (r > 0)
            ++reaped;
        else if (errno != EINTR)
            break;
    }
    auto t2 = Clock::now();
    std::printf("spawn_s=%.4f kill_s=%.4f\n", std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count());
    return pids.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
