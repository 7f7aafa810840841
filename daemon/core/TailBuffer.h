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

  private:
    std::size_t capacity_;
    // Trimmed lazily at 2x capacity so appending stays amortised O(1) per byte.
    std::string buf_;
};

}  // namespace sup
