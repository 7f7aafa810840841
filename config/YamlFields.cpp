#include "YamlFields.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

#include "DurationText.h"
#include "SignalNames.h"
#include "SizeText.h"
#include "Suggest.h"

namespace sup::config {

SourceLocation ReadContext::locate(const YAML::Node& node) const {
    // Marks are 0-based; a null mark (-1) becomes 0 = unknown.
    const YAML::Mark m = node.Mark();
    return {file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
}

std::string joinPath(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "nothing";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Scalar:
            return "'" + node.Scalar() + "'";
        case YAML::NodeType::Undefined:
            break;
    }
    return "nothing";
}

MapFields::MapFields(const ReadContext& ctx, const YAML::Node& map, const std::string& path,
                     std::vector<std::string> known) {
    if (!map.IsMap()) return;
    std::map<std::string, YAML::Node> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            ctx.error(key, path, "keys must be plain names, got " + describe(key));
            continue;
        }
        const std::string name = key.Scalar();
        const std::string keyPath = joinPath(path, name);
        if (auto first = seen.find(name); first != seen.end()) {
            auto where = ctx.locate(first->second);
            ctx.error(key, keyPath,
                      "duplicate key '" + name + "' (first at line " + std::to_string(where.line) + ":" +
                          std::to_string(where.column) + ")");
            continue;
        }
        seen.emplace(name, key);
        if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
            ctx.error(key, keyPath, "unknown key '" + name + "'" + didYouMean(name, known));
            continue;
        }
        fields_.push_back({name, keyPath, key, it->second});
    }
}

const Field* MapFields::find(std::string_view name) const {
    for (const auto& f : fields_)
        if (f.name == name) return &f;
    return nullptr;
}

bool isWrittenNull(const Field& f) {
    if (!f.value.IsNull()) return false;
    const YAML::Mark k = f.key.Mark(), v = f.value.Mark();
    return v.line == k.line && v.column > k.column;
}

bool expectMap(const ReadContext& ctx, const Field& f) {
    if (f.value.IsMap() || f.value.IsNull()) return true;
    ctx.error(f.value, f.path, "expected a map (key: value lines or {key: value}), got " + describe(f.value));
    return false;
}

namespace {

// The scalar text of a value, or a reported problem mentioning what was expected.
std::optional<std::string> scalarFor(const ReadContext& ctx, const Field& f, const std::string& expected) {
    if (f.value.IsScalar()) return f.value.Scalar();
    ctx.error(f.value.IsNull() ? f.key : f.value, f.path,
              "expected " + expected + ", got " + describe(f.value));
    return std::nullopt;
}

// Runs a text parser that throws std::invalid_argument, turning its message into an issue.
// `suggestions`: words for a "did you mean" after a failed parse.
template <typename Parse>
auto parsedScalar(const ReadContext& ctx, const Field& f, const std::string& expected, Parse&& parse,
                  const std::vector<std::string>& suggestions = {})
    -> std::optional<decltype(parse(std::string()))> {
    auto text = scalarFor(ctx, f, expected);
    if (!text) return std::nullopt;
    try {
        return parse(*text);
    } catch (const std::invalid_argument& e) {
        ctx.error(f.value, f.path,
                  std::string(e.what()) + ", got '" + *text + "'" + didYouMean(*text, suggestions));
        return std::nullopt;
    }
}

}  // namespace

std::optional<std::string> readString(const ReadContext& ctx, const Field& f) {
    return scalarFor(ctx, f, "a string");
}

std::optional<bool> readBool(const ReadContext& ctx, const Field& f) {
    auto text = scalarFor(ctx, f, "true or false");
    if (!text) return std::nullopt;
    bool value = false;
    // yaml-cpp's own rules: true/false, yes/no, on/off, y/n in any of the usual cases.
    if (YAML::convert<bool>::decode(f.value, value)) return value;
    ctx.error(f.value, f.path, "expected true or false, got '" + *text + "'");
    return std::nullopt;
}

std::optional<long long> readInteger(const ReadContext& ctx, const Field& f, long long min, long long max) {
    const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    auto text = scalarFor(ctx, f, range);
    if (!text) return std::nullopt;
    long long value = 0;
    const char* begin = text->data();
    const char* end = begin + text->size();
    if (begin != end && *begin == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || begin == end || value < min || value > max) {
        ctx.error(f.value, f.path, "expected " + range + ", got '" + *text + "'");
        return std::nullopt;
    }
    return value;
}

std::optional<Duration> readDuration(const ReadContext& ctx, const Field& f) {
    return parsedScalar(ctx, f, "a duration like 10s", [](const std::string& t) { return parseDuration(t); });
}

std::optional<std::uint64_t> readSize(const ReadContext& ctx, const Field& f) {
    return parsedScalar(ctx, f, "a size like 10MiB", [](const std::string& t) { return parseSize(t); });
}

std::optional<int> readSignal(const ReadContext& ctx, const Field& f) {
    static const std::vector<std::string> names = signalNames();
    return parsedScalar(
        ctx, f, "a signal name like TERM", [](const std::string& t) { return parseSignal(t); }, names);
}

std::optional<std::string> readChoice(const ReadContext& ctx, const Field& f,
                                      const std::vector<std::string>& choices) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    auto text = scalarFor(ctx, f, "one of " + list);
    if (!text) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
    ctx.error(f.value, f.path,
              "expected one of " + list + ", got '" + *text + "'" + didYouMean(*text, choices));
    return std::nullopt;
}

std::optional<std::string> readAbsolutePath(const ReadContext& ctx, const Field& f) {
    auto text = scalarFor(ctx, f, "an absolute path");
    if (!text) return std::nullopt;
    if (text->empty() || (*text)[0] != '/' || text->find('\0') != std::string::npos) {
        ctx.error(f.value, f.path, "expected an absolute path (starting with '/'), got '" + *text + "'");
        return std::nullopt;
    }
    return text;
}

std::optional<std::vector<Field>> listItems(const ReadContext& ctx, const Field& f, bool scalarIsList) {
    std::vector<Field> items;
    if (scalarIsList && f.value.IsScalar()) {
        items.push_back({f.name, f.path, f.key, f.value});
        return items;
    }
    if (!f.value.IsSequence()) {
        ctx.error(f.value.IsNull() ? f.key : f.value, f.path, "expected a list, got " + describe(f.value));
        return std::nullopt;
    }
    std::size_t i = 0;
    for (const auto& element : f.value) {
        std::string index = "[" + std::to_string(i++) + "]";
        items.push_back({f.name + index, f.path + index, f.key, element});
    }
    return items;
}

}  // namespace sup::config
