#include "TextFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sup::config {

namespace {

[[noreturn]] void fail(int err, const std::string& path) {
    throw std::system_error(err, std::generic_category(), "cannot read " + path);
}

// Closes on every path out of readTextFile, including the throwing ones.
struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }  // close errors on a read-only fd lose nothing
};

}  // namespace

std::string readTextFile(const std::string& path, std::size_t maxBytes) {
    int fd;
    // O_NONBLOCK so a FIFO given by mistake cannot hang the open; regular files ignore it.
    do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) fail(errno, path);
    FdCloser closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) < 0) fail(errno, path);
    if (S_ISDIR(st.st_mode)) fail(EISDIR, path);
    if (!S_ISREG(st.st_mode))
        throw std::system_error(EINVAL, std::generic_category(),
                                "cannot read " + path + " (not a regular file)");

    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno, path);
        }
        if (n == 0) break;
        if (text.size() + static_cast<std::size_t>(n) > maxBytes) fail(EFBIG, path);
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace sup::config
