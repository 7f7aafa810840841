#include "os/OutputPipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "os/FdUtil.h"

namespace sup::os {

OutputPipe OutputPipe::create() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    OutputPipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
    parkLongLived(pipe.readEnd);  // the write end goes to the child and is closed after the spawn
    setNonBlocking(pipe.readEnd.get(), true);
    constexpr int kPipeBytes = 256 * 1024;
    // EPERM: over /proc/sys/fs/pipe-max-size or the user's pipe quota without CAP_SYS_RESOURCE. The
    // default 64 KiB still works, just with less slack.
    if (::fcntl(pipe.readEnd.get(), F_SETPIPE_SZ, kPipeBytes) < 0 && errno != EPERM)
        throw std::system_error(errno, std::generic_category(), "fcntl(F_SETPIPE_SZ)");
    return pipe;
}

ReadResult readSome(int fd, std::string& out, size_t max) {
    size_t old = out.size();
    out.resize(old + max);
    ReadResult result;
    try {
        result = readSome(fd, out.data() + old, max);
    } catch (...) {
        out.resize(old);
        throw;
    }
    out.resize(old + result.bytes);
    return result;
}

ReadResult readSome(int fd, char* buf, size_t max) {
    ReadResult result;
    if (max == 0) return result;
    for (;;) {
        ssize_t n = ::read(fd, buf, max);
        if (n < 0) {
            int e = errno;
            if (e == EINTR) continue;
            if (e == EAGAIN) {
                result.wouldBlock = true;
                return result;
            }
            errno = e;
            throwErrno("read fd", std::to_string(fd));
        }
        result.bytes = static_cast<size_t>(n);
        result.eof = n == 0;
        return result;
    }
}

}  // namespace sup::os
