#include "EnvironmentFile.h"

#include <optional>

namespace sup::config {

namespace {

// The character classes of systemd's parser: '\r' ends a line as '\n' does, and both count as blanks
// between assignments.
bool isLineEnd(char c) {
    return c == '\n' || c == '\r';
}
bool isBlank(char c) {
    return c == ' ' || c == '\t';
}
bool isComment(char c) {
    return c == '#' || c == ';';
}
bool isNameStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
}

bool isVariableName(std::string_view name) {
    if (name.empty() || !isNameStart(name[0])) return false;
    for (char c : name)
        if (!isNameChar(c)) return false;
    return true;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), as systemd checks keys and values.
bool isUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n;
        unsigned cp;
        if (b < 0x80) {
            ++i;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1, cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2, cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3, cp = b & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        const unsigned minimum = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
        if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

// The value of one assignment, and whether the file ended inside a quote.
struct Value {
    std::string text;
    std::optional<std::pair<int, int>> unclosedQuote;  // line and column of the opening quote
};

// Walks the text once, keeping line and column for the problems it reports. What it reads is what
// systemd's parse_env_file_internal() (src/basic/env-file.c, v254 and later) reads:
//  - blanks and line ends before a key are skipped; '#' or ';' there starts a comment up to the line end;
//  - the key runs up to '=' (blanks around it dropped); a line without '=' is dropped by systemd;
//  - a value starts in "pre-value" mode: blanks are skipped, '...' is literal, "..." knows the escapes
//    \" \\ \` \$ and a backslash-newline (any other backslash stays), and after a closing quote the
//    value goes on in pre-value mode, so 'a' "b" gives "ab";
//  - any other character starts a bare part that runs to the line end: quotes in it are literal
//    (it's, a"b"), a backslash takes the next character literally or eats a line end, and trailing
//    blanks are dropped;
//  - quotes may span lines; '\r' ends a line like '\n' (so "\r\n" is one line end);
//  - names that are not shell names (letters, digits, '_', not starting with a digit) are dropped with a
//    warning, so "export A=1" defines nothing; invalid UTF-8 fails the whole file.
// Where systemd silently drops a line (no '=', a bad name, "export") or takes the rest of the file into
// a quote that is never closed, this parser reports a problem instead: a file it accepts gives the same
// variables under systemd, and a mistake is not silently lost.
class EnvironmentFileParser {
  public:
    explicit EnvironmentFileParser(std::string_view text) : text_(text) {}

    EnvironmentFileContent run() {
        while (!done()) statement();
        return std::move(out_);
    }

  private:
    bool done() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }
    int column() const { return static_cast<int>(pos_ - lineStart_) + 1; }

    char next() {
        char c = text_[pos_++];
        if (c == '\n') {
            ++line_;
            lineStart_ = pos_;
        }
        return c;
    }

    void problem(int line, int column, std::string message) {
        out_.problems.push_back({line, column, std::move(message)});
    }

    void statement() {
        while (!done() && (isBlank(peek()) || isLineEnd(peek()))) next();
        if (done()) return;
        if (isComment(peek())) return comment();
        const int keyLine = line_, keyColumn = column();
        std::string key;
        while (!done() && peek() != '=' && !isLineEnd(peek())) key += next();
        while (!key.empty() && isBlank(key.back())) key.pop_back();
        if (done() || peek() != '=') {
            problem(keyLine, keyColumn,
                    "expected KEY=VALUE, got '" + key + "' (systemd would ignore this line)");
            return;
        }
        next();  // '='
        Value value = readValue();
        if (value.unclosedQuote) {
            const auto [line, col] = *value.unclosedQuote;
            problem(line, col, "quote never closed (systemd would take the rest of the file into the value)");
        } else if (key.starts_with("export") && key.size() > 6 && isBlank(key[6])) {
            const std::string name = key.substr(key.find_first_not_of(" \t", 6));
            problem(keyLine, keyColumn,
                    "'export' is not understood by systemd's EnvironmentFile= (it would ignore this line); "
                    "write " +
                        name + "=...");
        } else if (!isVariableName(key)) {
            problem(keyLine, keyColumn,
                    "'" + key +
                        "' is not a variable name (letters, digits and '_', not starting with a digit; "
                        "systemd would ignore this line)");
        } else if (!isUtf8(value.text)) {
            problem(keyLine, keyColumn, "the value of " + key + " is not valid UTF-8");
        } else {
            out_.variables.emplace_back(std::move(key), std::move(value.text));
        }
    }

    // From '#' or ';' to the line end. systemd before v254 (Debian 12 has 252) continued a comment that
    // ends in a backslash onto the next line; later versions do not: such a line is refused so that the
    // file means the same to both.
    void comment() {
        const int commentLine = line_;
        char last = 0;
        while (!done() && !isLineEnd(peek())) last = next();
        if (last == '\\')
            problem(commentLine, 1,
                    "a comment ending in '\\' means different things to different systemd versions "
                    "(before v254 it continues onto the next line); remove the backslash");
    }

    // After '=', up to the line end that is not escaped or quoted.
    Value readValue() {
        Value value;
        // Pre-value mode: blanks skipped, quotes open quoted parts.
        while (!done() && !isLineEnd(peek())) {
            const char c = peek();
            if (isBlank(c)) {
                next();
            } else if (c == '\'' || c == '"') {
                const int quoteLine = line_, quoteColumn = column();
                if (!readQuoted(value.text)) {
                    value.unclosedQuote = {quoteLine, quoteColumn};
                    return value;
                }
            } else {
                readBare(value.text);
                break;
            }
        }
        return value;
    }

    // A bare part: to the line end, quotes literal, backslash escapes, trailing blanks dropped.
    void readBare(std::string& value) {
        std::size_t kept = value.size();  // length without trailing unescaped blanks
        while (!done() && !isLineEnd(peek())) {
            const char c = next();
            if (c == '\\') {
                if (done()) break;
                const char e = next();
                if (!isLineEnd(e)) value += e;  // a backslash-line-end joins the lines
                kept = value.size();
            } else {
                value += c;
                if (!isBlank(c)) kept = value.size();
            }
        }
        value.resize(kept);
    }

    // A quoted part, the opening quote at pos_; false when the file ends before the closing quote.
    bool readQuoted(std::string& value) {
        const char quote = next();
        while (!done()) {
            const char c = next();
            if (c == quote) return true;
            if (quote == '"' && c == '\\') {
                if (done()) return false;
                const char e = next();
                if (e == '"' || e == '\\' || e == '`' || e == '$')
                    value += e;
                else if (e != '\n') {  // a backslash-newline is eaten; other escapes keep the backslash
                    value += '\\';
                    value += e;
                }
                continue;
            }
            value += c;
        }
        return false;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t lineStart_ = 0;
    int line_ = 1;
    EnvironmentFileContent out_;
};

}  // namespace

EnvironmentFileContent parseEnvironmentFile(std::string_view text) {
    return EnvironmentFileParser(text).run();
}

}  // namespace sup::config
