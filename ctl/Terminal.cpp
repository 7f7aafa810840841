#include "ctl/Terminal.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sup::ctl {

namespace {

volatile sig_atomic_t gInterrupted = 0;
sigset_t gWaitMask;  // the mask to wait with: the original one, interrupts deliverable

void onInterrupt(int) {
    gInterrupted = 1;
}

}  // namespace

bool utf8Locale() {
    for (const char* variable : {"LC_ALL", "LC_CTYPE", "LANG"}) {
        const char* value = std::getenv(variable);
        if (!value || !*value) continue;
        std::string lower;
        for (const char* c = value; *c; ++c)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
        return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
    }
    return false;
}

bool colourWanted(int fd) {
    const char* noColor = std::getenv("NO_COLOR");
    if (noColor && *noColor) return false;
    const char* term = std::getenv("TERM");
    if (term && std::strcmp(term, "dumb") == 0) return false;
    return ::isatty(fd) == 1;
}

bool writeAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void ignoreSigpipe() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, nullptr);
}

void catchInterrupts() {
    sigset_t interrupts;
    ::sigemptyset(&interrupts);
    ::sigaddset(&interrupts, SIGINT);
    ::sigaddset(&interrupts, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &interrupts, &gWaitMask);
    ::sigdelset(&gWaitMask, SIGINT);
    ::sigdelset(&gWaitMask, SIGTERM);
    struct sigaction sa {};
    sa.sa_handler = onInterrupt;
    ::sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

int pollInterruptibly(::pollfd* fds, nfds_t count, int timeoutMs) {
    if (timeoutMs < 0) return ::ppoll(fds, count, nullptr, &gWaitMask);
    timespec ts{timeoutMs / 1000, static_cast<long>(timeoutMs % 1000) * 1'000'000};
    return ::ppoll(fds, count, &ts, &gWaitMask);
}

bool interrupted() {
    return gInterrupted != 0;
}

}  // namespace sup::ctl
