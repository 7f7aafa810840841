#include "core/TailBuffer.h"

#include <algorithm>

namespace sup {

void TailBuffer::append(std::string_view data) {
    total_ += data.size();
    if (capacity_ == 0) return;
    if (data.size() >= capacity_) data = data.substr(data.size() - capacity_);
    buf_.append(data);
    if (buf_.size() > 2 * capacity_) buf_.erase(0, buf_.size() - capacity_);
}

TailBuffer::Since TailBuffer::since(std::uint64_t offset) const {
    const std::size_t kept = size();
    const std::uint64_t oldest = total_ - kept;
    if (offset < oldest) offset = oldest;
    if (offset > total_) offset = total_;  // a reader from before a daemon restart starts over
    const std::size_t skip = static_cast<std::size_t>(offset - oldest);
    Since out;
    out.nextOffset = total_;
    out.data.assign(buf_, buf_.size() - kept + skip, kept - skip);
    return out;
}

std::string TailBuffer::tail(unsigned lines) const {
    std::string_view view(buf_);
    if (view.size() > capacity_) {
        view.remove_prefix(view.size() - capacity_);
        // Drop the partial first line the cut left behind.
        auto nl = view.find('\n');
        if (nl != std::string_view::npos) view.remove_prefix(nl + 1);
    }
    if (lines == 0) return std::string(view);
    std::size_t end = view.size();
    // A trailing newline ends the last line; it does not start an empty one.
    std::size_t pos = (end > 0 && view[end - 1] == '\n') ? end - 1 : end;
    unsigned found = 0;
    while (pos > 0) {
        auto nl = view.rfind('\n', pos - 1);
        if (nl == std::string_view::npos) {
            pos = 0;
            break;
        }
        if (++found == lines) {
            pos = nl + 1;
            break;
        }
        pos = nl;
    }
    return std::string(view.substr(pos));
}

}  // namespace sup
