#include "ctl/JsonStream.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace sup::ctl {

namespace {

// A string of printable ASCII escapes the same whatever the encoder: each byte is one code point.
// Anything else (bytes of UTF-8 sequences, valid or not) goes through nlohmann itself, so that the
// replacement of ill-formed input follows its exact rules.
bool plainAscii(std::string_view text) {
    for (unsigned char c : text)
        if (c >= 0x80) return false;
    return true;
}

void appendEscapedAscii(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.substr(run, i - run));
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default: {
                const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
                out.append(escaped, sizeof escaped);
            }
        }
    }
    out.append(text.substr(run));
    out += '"';
}

template <typename Integer>
void appendInteger(std::string& out, Integer number) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

void JsonStream::open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
}

void JsonStream::close(char bracket) {
    out_ += bracket;
    first_ = false;
}

void JsonStream::separate() {
    if (!first_) out_ += ',';
    first_ = false;
}

void JsonStream::key(std::string_view name) {
    separate();
    out_ += '"';
    out_.append(name);
    out_ += "\":";
    first_ = true;  // the value that follows takes no comma
}

void JsonStream::value(std::string_view text) {
    separate();
    if (plainAscii(text))
        appendEscapedAscii(out_, text);
    else
        out_ += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonStream::value(std::int64_t number) {
    separate();
    appendInteger(out_, number);
}

void JsonStream::value(std::uint64_t number) {
    separate();
    appendInteger(out_, number);
}

void JsonStream::value(const std::vector<std::string>& texts) {
    beginArray();
    for (const auto& text : texts) value(std::string_view(text));
    endArray();
}

}  // namespace sup::ctl
