#include "CommandLine.h"

#include <optional>
#include <stdexcept>

namespace sup::config {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Inside double quotes POSIX lets a backslash escape only these; before anything else it stays literal.
bool escapableInDoubleQuotes(char c) {
    return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

std::string at(std::size_t index) {
    return "at character " + std::to_string(index + 1);
}

}  // namespace

std::vector<std::string> splitCommandLine(std::string_view text) {
    std::vector<std::string> words;
    std::optional<std::string> word;  // engaged once a word has started, even if it is still empty ("")
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (isBlank(c)) {
            if (word) words.push_back(std::move(*word));
            word.reset();
            ++i;
            continue;
        }
        if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
            i += 2;  // a line continuation: joins, but starts no word by itself
            continue;
        }
        if (!word) word.emplace();
        if (c == '\'') {
            const auto close = text.find('\'', i + 1);
            if (close == std::string_view::npos) throw std::invalid_argument("unterminated ' quote " + at(i));
            word->append(text.substr(i + 1, close - i - 1));
            i = close + 1;
        } else if (c == '"') {
            const std::size_t open = i++;
            for (;;) {
                if (i >= text.size()) throw std::invalid_argument("unterminated \" quote " + at(open));
                const char d = text[i];
                if (d == '"') {
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < text.size() && escapableInDoubleQuotes(text[i + 1])) {
                    if (text[i + 1] != '\n') *word += text[i + 1];  // backslash-newline joins lines
                    i += 2;
                    continue;
                }
                *word += d;
                ++i;
            }
        } else if (c == '\\') {
            if (i + 1 >= text.size()) throw std::invalid_argument("trailing backslash " + at(i));
            *word += text[i + 1];
            i += 2;
        } else {
            *word += c;
            ++i;
        }
    }
    if (word) words.push_back(std::move(*word));
    return words;
}

}  // namespace sup::config
