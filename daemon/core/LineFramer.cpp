#include "core/LineFramer.h"

#include <ctime>

namespace sup {

std::string formatTimestamp(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto secs = system_clock::to_time_t(t);
    auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&secs, &tm);
    char date[40];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    char zone[8];
    std::strftime(zone, sizeof zone, "%z", &tm);
    char out[64];
    std::snprintf(out, sizeof out, "%s.%03d%s ", date, static_cast<int>(ms), zone);
    return out;
}

std::string Timestamper::apply(std::string_view data, std::chrono::system_clock::time_point now) {
    std::string out;
    if (data.empty()) return out;
    const std::string stamp = formatTimestamp(now);
    out.reserve(data.size() + stamp.size() * 2);
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (atLineStart_) out += stamp;
        auto nl = data.find('\n', pos);
        if (nl == std::string_view::npos) {
            out.append(data.substr(pos));
            atLineStart_ = false;
            break;
        }
        out.append(data.substr(pos, nl + 1 - pos));
        atLineStart_ = true;
        pos = nl + 1;
    }
    return out;
}

void LineSplitter::feed(std::string_view data, const LineHandler& onLine) {
    while (!data.empty()) {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(data);
            while (partial_.size() >= maxLine_) {
                onLine(std::string_view(partial_).substr(0, maxLine_));
                partial_.erase(0, maxLine_);
            }
            return;
        }
        if (partial_.empty()) {
            onLine(data.substr(0, nl));
        } else {
            partial_.append(data.substr(0, nl));
            onLine(partial_);
            partial_.clear();
        }
        data.remove_prefix(nl + 1);
    }
}

void LineSplitter::flush(const LineHandler& onLine) {
    if (!partial_.empty()) onLine(partial_);
    partial_.clear();
}

}  // namespace sup
