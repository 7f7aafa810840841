// A tiny cursor over a string for the unit parsers (durations, sizes): numbers, then unit letters.
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace sup::config {

class TextScan {
  public:
    explicit TextScan(std::string_view text) : text_(text) {}

    bool done() const { return pos_ >= text_.size(); }

    void skipSpaces() {
        while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }

    // Digits with an optional fraction ("10", "1.5", ".5"); nothing is consumed when there is no digit.
    std::optional<long double> decimal() {
        std::size_t start = pos_;
        long double value = 0;
        bool anyDigit = false;
        while (!done() && isDigit(text_[pos_])) {
            value = value * 10 + (text_[pos_++] - '0');
            anyDigit = true;
        }
        if (!done() && text_[pos_] == '.') {
            ++pos_;
            long double scale = 0.1L;
            while (!done() && isDigit(text_[pos_])) {
                value += scale * (text_[pos_++] - '0');
                scale /= 10;
                anyDigit = true;
            }
        }
        if (!anyDigit) {
            pos_ = start;
            return std::nullopt;
        }
        return value;
    }

    // ASCII letters, as written.
    std::string lettersAsWritten() {
        std::string out;
        while (!done() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) out += text_[pos_++];
        return out;
    }

    // ASCII letters, lower-cased.
    std::string letters() {
        std::string out = lettersAsWritten();
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    }

  private:
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace sup::config
