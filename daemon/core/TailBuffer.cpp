#include "core/TailBuffer.h"

#include <algorithm>

namespace sup {

void TailBuffer::append(std::string_view data) {
    if (capacity_ == 0) return;
    if (data.size() >= capacity_) data = data.substr(data.size() - capacity_);
    buf_.append(data);
    if (buf_.size() > 2 * capacity_) buf_.erase(0, buf_.size() - capacity_);
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
