#include "os/LockFile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

#include "os/FdUtil.h"

namespace sup::os {

namespace {

pid_t readHolder(int fd) {
    char buffer[32] = {};
    ssize_t n;
    do n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return 0;
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(buffer, buffer + n, pid);
    (void)end;
    return ec == std::errc() ? pid : 0;
}

}  // namespace

LockHeld::LockHeld(pid_t holderPid, const std::string& path)
    : std::runtime_error("another supervisord (PID " +
                         (holderPid > 0 ? std::to_string(holderPid) : "unknown") + ") holds " + path),
      holder(holderPid) {}

LockFile LockFile::acquire(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) makeDirectories(path.substr(0, slash), 0755);

    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) throwErrno("open", path);
    int r;
    do r = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EWOULDBLOCK) throw LockHeld(readHolder(fd.get()), path);
        throwErrno("flock", path);
    }

    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) < 0) throwErrno("truncate", path);
    const char* p = pid.data();
    size_t left = pid.size();
    off_t offset = 0;
    while (left > 0) {
        ssize_t n = ::pwrite(fd.get(), p, left, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("write", path);
        }
        p += n;
        offset += n;
        left -= static_cast<size_t>(n);
    }
    return LockFile(path, std::move(fd));
}

}  // namespace sup::os
