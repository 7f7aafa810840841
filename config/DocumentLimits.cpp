#include "DocumentLimits.h"

#include <yaml-cpp/eventhandler.h>

#include <cstdint>
#include <sstream>
#include <unordered_set>
#include <vector>

namespace sup::config {

namespace {

std::string sizeText(std::size_t bytes) {
    return std::to_string(bytes >> 20) + " MiB";
}

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

// Follows YAML's structure closely enough to count the levels yaml-cpp will recurse into: flow brackets
// outside quoted scalars and comments, and block levels by indentation (each `- ` or `? ` that opens a
// nested block on the same line counts as one more). Block scalars (`|`, `>`) are skipped.
class NestingScan {
  public:
    explicit NestingScan(std::string_view text) : text_(text) {}

    std::optional<LimitBreach> run() {
        std::size_t start = 0;
        for (int lineNo = 1; start <= text_.size() && !breach_; ++lineNo) {
            std::size_t end = text_.find('\n', start);
            if (end == std::string_view::npos) end = text_.size();
            line(lineNo, text_.substr(start, end - start));
            start = end + 1;
        }
        return breach_;
    }

  private:
    enum class Quote { None, Single, Double };

    std::string_view text_;
    std::optional<LimitBreach> breach_;
    std::vector<std::size_t> blockColumns_;  // indentation of every open block level, innermost last
    int flowDepth_ = 0;
    Quote quote_ = Quote::None;
    bool tokenStart_ = true;              // the next non-blank character starts a node
    std::size_t nodeColumn_ = 0;          // where the innermost block node of this line starts
    std::optional<std::size_t> literal_;  // inside a block scalar: lines indented more than this

    void deeper(int lineNo, std::size_t column) {
        const std::size_t depth = blockColumns_.size() + static_cast<std::size_t>(flowDepth_);
        if (depth > static_cast<std::size_t>(kMaxNestingDepth) && !breach_)
            breach_ = LimitBreach{lineNo, static_cast<int>(column) + 1,
                                  "nesting deeper than " + std::to_string(kMaxNestingDepth) +
                                      " levels (the limit for a configuration file)"};
    }

    void openBlock(int lineNo, std::size_t column) {
        while (!blockColumns_.empty() && blockColumns_.back() >= column) blockColumns_.pop_back();
        blockColumns_.push_back(column);
        nodeColumn_ = column;
        deeper(lineNo, column);
    }

    void line(int lineNo, std::string_view s) {
        if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
        std::size_t i = 0;
        while (i < s.size() && isBlank(s[i])) ++i;
        const bool blank = i == s.size() || s[i] == '#';
        if (literal_) {
            if (blank || i > *literal_) return;
            literal_.reset();
        }
        if (quote_ == Quote::None && flowDepth_ == 0) {
            if (blank) return;
            if (i == 0 && (s.starts_with("---") || s.starts_with("...")) &&
                (s.size() == 3 || isBlank(s[3]))) {
                blockColumns_.clear();  // a new document starts from the top
                nodeColumn_ = 0;
                i = 3;
            } else {
                openBlock(lineNo, i);
            }
            tokenStart_ = true;
        }
        for (; i < s.size() && !breach_; ++i) {
            const char c = s[i];
            if (quote_ == Quote::Double) {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    quote_ = Quote::None;
                continue;
            }
            if (quote_ == Quote::Single) {
                if (c == '\'' && i + 1 < s.size() && s[i + 1] == '\'')
                    ++i;
                else if (c == '\'')
                    quote_ = Quote::None;
                continue;
            }
            if (isBlank(c)) continue;
            const bool afterBlank = i == 0 || isBlank(s[i - 1]);
            const bool beforeBlank = i + 1 == s.size() || isBlank(s[i + 1]);
            if (c == '#' && afterBlank) break;  // a comment runs to the end of the line
            if (flowDepth_ > 0 ? flowChar(lineNo, s, i) : blockChar(lineNo, s, i, beforeBlank)) continue;
            tokenStart_ = false;  // inside a plain scalar (or an anchor, alias or tag)
        }
    }

    // Returns true when `s[i]` was structure (the next character may start a node).
    bool flowChar(int lineNo, std::string_view s, std::size_t i) {
        const char c = s[i];
        switch (c) {
            case '[':
            case '{':
                ++flowDepth_;
                deeper(lineNo, i);
                tokenStart_ = true;
                return true;
            case ']':
            case '}':
                --flowDepth_;
                tokenStart_ = false;
                return false;
            case ',':
            case ':':
            case '?':
                tokenStart_ = true;
                return true;
            case '"':
            case '\'':
                if (!tokenStart_) return false;
                quote_ = c == '"' ? Quote::Double : Quote::Single;
                return false;
            default:
                return false;
        }
    }

    bool blockChar(int lineNo, std::string_view s, std::size_t& i, bool beforeBlank) {
        const char c = s[i];
        if (c == ':' && beforeBlank) {  // a key ends; its value starts a node
            tokenStart_ = true;
            return true;
        }
        if (!tokenStart_) return false;
        switch (c) {
            case '-':
            case '?':
                if (!beforeBlank) break;
                // `- - x` is a list in a list: each indicator after the first opens a level.
                if (i != nodeColumn_) openBlock(lineNo, i);
                nodeColumn_ = i;
                return true;
            case '[':
            case '{':
                flowDepth_ = 1;
                deeper(lineNo, i);
                return true;
            case '"':
                quote_ = Quote::Double;
                return false;
            case '\'':
                quote_ = Quote::Single;
                return false;
            case '|':
            case '>':
                literal_ = nodeColumn_;
                return false;
            case '&':
            case '!':
                // An anchor or tag precedes the node it names: skip the word and stay at a node start.
                while (i + 1 < s.size() && !isBlank(s[i + 1])) ++i;
                return true;
            default:
                break;
        }
        nodeColumn_ = i;
        return false;
    }
};

// Identity of a node for alias detection: yaml-cpp gives an alias the very node (and mark) it names, and
// two distinct nodes of one type never start at the same byte.
std::uint64_t identity(const YAML::Node& node) {
    return (static_cast<std::uint64_t>(node.Mark().pos) << 3) | static_cast<std::uint64_t>(node.Type());
}

class AliasBudget {
  public:
    std::optional<LimitBreach> run(const YAML::Node& root) {
        visit(root, false);
        return breach_;
    }

  private:
    std::unordered_set<std::uint64_t> seen_;
    std::size_t aliased_ = 0;
    std::optional<LimitBreach> breach_;

    void refuse(const YAML::Node& node, std::string message) {
        const YAML::Mark m = node.Mark();
        breach_ = LimitBreach{m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0,
                              std::move(message) + " (the limit for a configuration file)"};
    }

    // The nesting limit checked before parsing bounds the depth of the document itself; only aliases
    // (a chain of them, or one inside the node it names, which yaml-cpp builds as a cycle) go deeper.
    void visit(const YAML::Node& node, bool throughAlias, int depth = 1) {
        if (breach_) return;
        if (depth > kMaxExpandedDepth) {
            refuse(node, "aliases nest deeper than " + std::to_string(kMaxExpandedDepth) + " levels");
            return;
        }
        if (!throughAlias && node.Mark().pos >= 0 && !seen_.insert(identity(node)).second)
            throughAlias = true;
        if (throughAlias && ++aliased_ > kMaxAliasedNodes) {
            refuse(node, "aliases expand to more than " + std::to_string(kMaxAliasedNodes) + " nodes");
            return;
        }
        if (node.IsSequence()) {
            for (const auto& item : node) visit(item, throughAlias, depth + 1);
        } else if (node.IsMap()) {
            for (const auto& entry : node) {
                visit(entry.first, throughAlias, depth + 1);
                visit(entry.second, throughAlias, depth + 1);
            }
        }
    }
};

// Only where documents and their root nodes start: the second parse that counts them builds nothing.
class DocumentStarts final : public YAML::EventHandler {
  public:
    std::vector<YAML::Mark> starts;
    std::vector<YAML::Mark> roots;

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

  private:
    void node(const YAML::Mark& mark) {
        if (roots.size() < starts.size()) roots.push_back(mark);
    }
};

}  // namespace

FirstDocument loadFirstDocument(const std::string& text) {
    FirstDocument out;
    out.root = YAML::Load(text);
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts documents;
    if (parser.HandleNextDocument(documents) && parser.HandleNextDocument(documents) &&
        documents.roots.size() >= 2) {
        out.next = documents.roots[1];
        out.stuck = documents.starts[1].pos == documents.starts[0].pos;
    }
    return out;
}

std::string fileTooLargeMessage() {
    return "file is larger than " + sizeText(kMaxConfigFileBytes) + " (the limit for a configuration file)";
}

std::optional<LimitBreach> checkTextLimits(std::string_view text) {
    if (text.size() > kMaxConfigFileBytes) return LimitBreach{0, 0, fileTooLargeMessage()};
    return NestingScan(text).run();
}

std::optional<LimitBreach> checkAliasExpansion(std::string_view text, const YAML::Node& root) {
    if (text.find('*') == std::string_view::npos) return std::nullopt;  // no alias can be written without it
    return AliasBudget().run(root);
}

}  // namespace sup::config
