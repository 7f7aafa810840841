// A service for bench/readiness: waits `delay_ms`, takes CLOCK_REALTIME, sends READY=1 to
// $NOTIFY_SOCKET, appends "<name> <that time in µs>" to `record`, and sleeps until killed.
// C++ rather than systemd-notify or python3: a thousand of them must be cheap, and the time taken
// must be that of the datagram, not of a tool's start-up.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: notify_ready DELAY_MS RECORD NAME\n");
        return 2;
    }
    const char* socketPath = std::getenv("NOTIFY_SOCKET");
    if (!socketPath || !*socketPath) return 3;
    timespec delay{std::atol(argv[1]) / 1000, (std::atol(argv[1]) % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0) {
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::size_t len = std::strlen(socketPath);
    if (len >= sizeof addr.sun_path) return 4;
    std::memcpy(addr.sun_path, socketPath, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 5;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
    static const char ready[] = "READY=1";
    if (::sendto(fd, ready, sizeof ready - 1, 0, reinterpret_cast<sockaddr*>(&addr),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len)) < 0)
        return 6;
    const std::string line = std::string(argv[3]) + " " + std::to_string(usec) + "\n";
    const int out = ::open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (out < 0 || ::write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 7;
    ::close(out);
    for (;;) ::pause();
}
