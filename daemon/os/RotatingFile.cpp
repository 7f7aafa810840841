#include "os/RotatingFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace sup::os {

RotatingFile::RotatingFile(std::string path, std::uint64_t maxSize, unsigned backups)
    : path_(std::move(path)), maxSize_(maxSize), backups_(backups) {
    open();
}

// Takes errno first, before any string building could disturb it.
void RotatingFile::fail(int err, const char* what, const std::string& subject) const {
    throw std::system_error(err, std::generic_category(), std::string(what) + " " + subject);
}

void RotatingFile::open() {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd_) fail(errno, "open", path_);
    struct stat st {};
    if (::fstat(fd_.get(), &st) < 0) fail(errno, "fstat", path_);
    size_ = static_cast<std::uint64_t>(st.st_size);
}

void RotatingFile::reopen() {
    open();
}

void RotatingFile::rotate() {
    if (backups_ == 0) {
        if (::ftruncate(fd_.get(), 0) < 0) fail(errno, "truncate", path_);
        size_ = 0;
        return;
    }
    // Oldest first, so each rename lands on a name that was just vacated; path.N is overwritten.
    for (unsigned i = backups_; i >= 1; --i) {
        std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
        std::string to = path_ + "." + std::to_string(i);
        if (::rename(from.c_str(), to.c_str()) < 0 && errno != ENOENT) {
            int err = errno;
            fail(err, "rename", from + " to " + to);
        }
    }
    open();
}

void RotatingFile::writeAll(std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd_.get(), data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno, "write", path_);
        }
        size_ += static_cast<std::uint64_t>(n);
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void RotatingFile::write(std::string_view data) {
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
            rotate();
        } else if (size_ > 0) {
            rotate();  // not even the first line fits: start it in a fresh file
        } else {
            // A fresh file and a line longer than maxSize: it cannot fit anywhere without being split,
            // so it goes here whole and the file runs over.
            size_t end = data.find('\n');
            size_t take = end == std::string_view::npos ? data.size() : end + 1;
            writeAll(data.substr(0, take));
            data.remove_prefix(take);
        }
    }
}

}  // namespace sup::os
