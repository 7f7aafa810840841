#include "os/RotatingFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "os/FdUtil.h"

namespace sup::os {

RotatingFile::RotatingFile(std::string path, std::uint64_t maxSize, unsigned backups, bool createDirectories)
    : path_(std::move(path)), maxSize_(maxSize), backups_(backups), createDirectories_(createDirectories) {
    openNow();
}

// The new file is open and measured before the old one is let go: a failed open leaves fd_ as it was.
void RotatingFile::openNow() {
    constexpr int kFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
    UniqueFd fd(::open(path_.c_str(), kFlags, 0640));
    if (!fd && errno == ENOENT && createDirectories_) {
        const auto slash = path_.rfind('/');
        if (slash != std::string::npos && slash > 0) makeDirectories(path_.substr(0, slash), 0750);
        fd.reset(::open(path_.c_str(), kFlags, 0640));
    }
    if (!fd) throwErrno("open", path_);
    parkLongLived(fd);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) throwErrno("fstat", path_);
    fd_ = std::move(fd);
    size_ = static_cast<std::uint64_t>(st.st_size);
    needOpen_ = false;
}

void RotatingFile::rotateNow() {
    if (backups_ == 0) {
        if (::ftruncate(fd_.get(), 0) < 0) throwErrno("truncate", path_);
        size_ = 0;
        return;
    }
    // Oldest first, so each rename lands on a name that was just vacated; path.N is overwritten.
    for (unsigned i = backups_; i >= 1; --i) {
        std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
        std::string to = path_ + "." + std::to_string(i);
        if (::rename(from.c_str(), to.c_str()) < 0 && errno != ENOENT) {
            const int err = errno;  // before building the message, which allocates
            throw std::system_error(err, std::generic_category(), "rename " + from + " to " + to);
        }
    }
    // fd_ now writes to path.1. Should the open fail, a retry must only open: renaming again would
    // push the file still in use to path.2.
    needOpen_ = true;
    openNow();
}

void RotatingFile::enterTrouble(const std::system_error& e, bool report) {
    if (troubled_) return;  // one report per episode, not one per retry
    troubled_ = true;
    if (report && report_) report_(&e);
}

void RotatingFile::leaveTrouble() {
    if (!troubled_) return;
    troubled_ = false;
    if (report_) report_(nullptr);
}

bool RotatingFile::retryDue() const {
    return std::chrono::steady_clock::now() - lastAttempt_ >= retryInterval_;
}

// A rotation or open on behalf of write(): false (reported, old file kept) when it failed.
bool RotatingFile::attempt(void (RotatingFile::*step)()) {
    lastAttempt_ = std::chrono::steady_clock::now();
    try {
        (this->*step)();
    } catch (const std::system_error& e) {
        enterTrouble(e, true);
        return false;
    }
    leaveTrouble();
    return true;
}

void RotatingFile::reopen() {
    lastAttempt_ = std::chrono::steady_clock::now();
    try {
        openNow();
    } catch (const std::system_error& e) {
        needOpen_ = true;  // logrotate has moved the file: write() retries the open, never a rotation
        enterTrouble(e, false);
        throw;
    }
    leaveTrouble();
}

void RotatingFile::rotate() {
    lastAttempt_ = std::chrono::steady_clock::now();
    try {
        if (needOpen_)
            openNow();
        else
            rotateNow();
    } catch (const std::system_error& e) {
        enterTrouble(e, false);
        throw;
    }
    leaveTrouble();
}

void RotatingFile::writeAll(std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd_.get(), data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("write", path_);
        }
        size_ += static_cast<std::uint64_t>(n);
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void RotatingFile::write(std::string_view data) {
    if (troubled_) {
        // Until the retry is due, everything goes to the file already open and nothing is rotated.
        if (!retryDue() || (needOpen_ && !attempt(&RotatingFile::openNow))) {
            writeAll(data);
            return;
        }
    }
    while (!data.empty()) {
        std::uint64_t room = maxSize_ > size_ ? maxSize_ - size_ : 0;
        if (maxSize_ == 0 || data.size() <= room) {
            writeAll(data);
            return;
        }
        // The longest prefix that ends with a newline and still fits.
        size_t cut = room == 0 ? std::string_view::npos : data.rfind('\n', static_cast<size_t>(room) - 1);
        if (cut != std::string_view::npos) {
            writeAll(data.substr(0, cut + 1));
            data.remove_prefix(cut + 1);
            if (!attempt(&RotatingFile::rotateNow)) break;
        } else if (size_ > 0) {
            // Not even the first line fits: start it in a fresh file.
            if (!attempt(&RotatingFile::rotateNow)) break;
        } else {
            // A fresh file and a line longer than maxSize: it cannot fit anywhere without being split,
            // so it goes here whole and the file runs over.
            size_t end = data.find('\n');
            size_t take = end == std::string_view::npos ? data.size() : end + 1;
            writeAll(data.substr(0, take));
            data.remove_prefix(take);
        }
    }
    writeAll(data);  // what is left after a failed rotation goes to the file still open
}

}  // namespace sup::os
