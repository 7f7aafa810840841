// Turning a child's byte stream into what each log target needs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sup {

// "2026-11-23T10:00:00.123+0000 " in local time: what a `timestamps: true` line starts with.
std::string formatTimestamp(std::chrono::system_clock::time_point t);

// Prefixes every line start with the time the bytes arrived. Streams: nothing is held back, so a
// file target sees bytes as soon as they come, and a line split across reads gets one prefix.
class Timestamper {
  public:
    std::string apply(std::string_view data, std::chrono::system_clock::time_point now);

  private:
    bool atLineStart_ = true;
};

// Splits a byte stream into whole lines for line-based targets (journal, the daemon's log).
// A partial line is held until its newline arrives; one longer than maxLine is passed on in pieces,
// so a child that never writes a newline cannot make the daemon grow without bound.
class LineSplitter {
  public:
    using LineHandler = std::function<void(std::string_view line)>;  // without the '\n'
    explicit LineSplitter(std::size_t maxLine = 16 * 1024) : maxLine_(maxLine) {}
    void feed(std::string_view data, const LineHandler& onLine);
    void flush(const LineHandler& onLine);  // at EOF: pass on what is left

  private:
    std::size_t maxLine_;
    std::string partial_;
};

}  // namespace sup
