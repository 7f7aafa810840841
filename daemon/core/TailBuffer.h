// The last bytes a process wrote to one stream, kept in memory for `supctl tail`.
// Bounded: memory stays O(capacity) however much the process writes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sup {

class TailBuffer {
public:
    explicit TailBuffer(std::size_t capacity = 64 * 1024) : capacity_(capacity) {}
    void setCapacity(std::size_t c) { capacity_ = c; }
    void append(std::string_view data);
    // The last `lines` complete or partial lines (0 = everything kept).
    std::string tail(unsigned lines) const;
    std::size_t size() const { return std::min(buf_.size(), capacity_); }

    // Bytes ever appended; the offset just past the newest byte. Lets `supctl tail -f` poll for
    // "what came after offset N" without the daemon tracking its readers.
    std::uint64_t totalWritten() const { return total_; }
    struct Since {
        std::uint64_t nextOffset = 0;
        std::string data;
    };
    // The bytes after `offset` that are still kept (from the oldest kept byte if offset is older).
    Since since(std::uint64_t offset) const;

private:
    std::size_t capacity_;
    // Trimmed lazily at 2x capacity so appending stays amortised O(1) per byte.
    std::string buf_;
    std::uint64_t total_ = 0;
};

}  // namespace sup
