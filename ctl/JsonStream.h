// Writes JSON text straight into one string, for the outputs that are too large to build as a tree
// first (`supctl --json status` at thousands of instances). The bytes are those nlohmann's
// dump(-1, ' ', false, error_handler_t::replace) writes for the same values, so a script sees no
// difference between the two paths.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sup::ctl {

class JsonStream {
  public:
    explicit JsonStream(std::string& out) : out_(out) {}

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }

    // A key of an object (plain ASCII with nothing to escape: the callers' own literals).
    void key(std::string_view name);

    void value(std::string_view text);
    void value(std::int64_t number);
    void value(std::uint64_t number);
    void value(const std::vector<std::string>& texts);  // an array of strings

  private:
    void open(char bracket);
    void close(char bracket);
    void separate();  // the comma before a value that is not the first of its container

    std::string& out_;
    bool first_ = true;  // nothing written yet in the innermost open container
};

}  // namespace sup::ctl
