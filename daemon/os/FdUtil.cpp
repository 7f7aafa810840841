#include "os/FdUtil.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace sup::os {

void throwErrno(const char* what, const std::string& subject) {
    int err = errno;
    throw std::system_error(err, std::generic_category(),
                            subject.empty() ? std::string(what) : what + (" " + subject));
}

void setNonBlocking(int fd, bool nonBlocking) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throwErrno("fcntl(F_GETFL) fd", std::to_string(fd));
    int wanted = nonBlocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted == flags) return;
    if (::fcntl(fd, F_SETFL, wanted) < 0) throwErrno("fcntl(F_SETFL) fd", std::to_string(fd));
}

void setCloseOnExec(int fd, bool closeOnExec) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) throwErrno("fcntl(F_GETFD) fd", std::to_string(fd));
    int wanted = closeOnExec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
    if (wanted == flags) return;
    if (::fcntl(fd, F_SETFD, wanted) < 0) throwErrno("fcntl(F_SETFD) fd", std::to_string(fd));
}

void parkLongLived(UniqueFd& fd) noexcept {
    if (!fd || fd.get() >= kLongLivedFdFloor) return;
    const int high = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, kLongLivedFdFloor);
    if (high >= 0) fd.reset(high);  // EINVAL/EMFILE: the limit is below the floor or full; keep the low one
}

// Not std::filesystem::create_directories: it always asks for 0777.
void makeDirectories(const std::string& dir, mode_t mode) {
    if (dir.empty()) return;
    for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {
        std::string prefix = dir.substr(0, pos);
        if (::mkdir(prefix.c_str(), mode) < 0 && errno != EEXIST) throwErrno("mkdir", prefix);
        if (pos == std::string::npos) return;
    }
}

}  // namespace sup::os
