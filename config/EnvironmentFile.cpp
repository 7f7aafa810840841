#include "EnvironmentFile.h"

#include <optional>

namespace sup::config {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
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

// Walks the text once, keeping line and column for the problems it reports.
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

    void skipBlanks() {
        while (!done() && isBlank(peek())) next();
    }

    void skipRestOfLine() {
        while (!done() && peek() != '\n') next();
        if (!done()) next();
    }

    void problem(int line, int column, std::string message) {
        out_.problems.push_back({line, column, std::move(message)});
    }

    void statement() {
        skipBlanks();
        if (done()) return;
        if (peek() == '\n' || peek() == '#' || peek() == ';') return skipRestOfLine();
        const int keyLine = line_, keyColumn = column();
        if (text_.substr(pos_).starts_with("export") && pos_ + 6 < text_.size() &&
            (text_[pos_ + 6] == ' ' || text_[pos_ + 6] == '\t')) {
            for (int i = 0; i < 6; ++i) next();
            skipBlanks();
        }
        std::string key;
        while (!done() && peek() != '=' && peek() != '\n') key += next();
        while (!key.empty() && isBlank(key.back())) key.pop_back();
        if (done() || peek() != '=') {
            problem(keyLine, keyColumn, "expected KEY=VALUE, got '" + key + "'");
            return skipRestOfLine();
        }
        next();  // '='
        if (!isVariableName(key)) {
            problem(
                keyLine, keyColumn,
                "'" + key + "' is not a variable name (letters, digits and '_', not starting with a digit)");
            return skipRestOfLine();
        }
        if (auto value = readValue()) out_.variables.emplace_back(std::move(key), std::move(*value));
    }

    // The value after '=' up to the end of its (possibly continued) line; nullopt after a problem.
    std::optional<std::string> readValue() {
        skipBlanks();
        std::string value;
        std::size_t kept = 0;  // length of `value` without trailing unquoted blanks
        while (!done() && peek() != '\n') {
            const char c = peek();
            if (c == '\'' || c == '"') {
                if (!readQuoted(value)) return std::nullopt;
                kept = value.size();
            } else if (c == '\\') {
                next();
                if (done()) break;
                if (peek() == '\n') {
                    next();  // line continuation
                    continue;
                }
                value += next();
                kept = value.size();
            } else {
                value += next();
                if (!isBlank(c)) kept = value.size();
            }
        }
        if (!done()) next();  // '\n'
        value.resize(kept);
        return value;
    }

    bool readQuoted(std::string& value) {
        const int openLine = line_, openColumn = column();
        const char quote = next();
        while (!done()) {
            char c = next();
            if (c == quote) return true;
            if (quote == '"' && c == '\\' && !done()) {
                char e = peek();
                if (e == '"' || e == '\\' || e == '$' || e == '`') {
                    value += next();
                    continue;
                }
                if (e == '\n') {
                    next();
                    continue;
                }
            }
            value += c;
        }
        problem(openLine, openColumn, std::string("unterminated ") + quote + " quote");
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
