#include "DocumentReader.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "DocumentLimits.h"
#include "ServiceReader.h"
#include "Suggest.h"
#include "SupervisorReader.h"
#include "YamlUtf8.h"

namespace sup::config {

namespace {

const std::vector<std::string> kTopLevelKeys = {"services", "supervisor"};

void reportUnknownTopLevel(const ReadContext& ctx, const Field& f) {
    std::string message = "unknown top-level key '" + f.name + "'";
    if (auto near = closestMatch(f.name, kTopLevelKeys)) {
        message += " (did you mean '" + *near + "'?)";
    } else if (f.value.IsMap() && f.value["command"]) {
        // Looks like a service written at the top level.
        message += " (services go under 'services:', e.g. services: {" + f.name + ": {command: ...}})";
    } else {
        message += " (a file holds 'services:' and, in at most one file, 'supervisor:')";
    }
    ctx.error(f.key, f.path, message);
}

void readServices(const ReadContext& ctx, const Field& f, FileContent& out) {
    if (f.value.IsNull()) return;  // "services:" with nothing under it: none yet
    if (!f.value.IsMap()) {
        ctx.error(f.value, f.path, "expected a map of service name to settings, got " + describe(f.value));
        return;
    }
    MapFields services(ctx, f.value, f.path);
    for (const auto& entry : services.all()) out.services.push_back(readService(ctx, entry));
}

// The column of a tab in the leading blanks of line `line` (1-based), if there is one. YAML forbids tabs
// in indentation, and yaml-cpp then reports something unrelated ("end of map not found", "illegal map
// value") at that line; a tab after the indentation (in a value, a comment) is legal and not looked at.
std::optional<int> tabInIndentation(std::string_view text, int line) {
    std::size_t start = 0;
    for (int n = 1; n < line; ++n) {
        start = text.find('\n', start);
        if (start == std::string_view::npos) return std::nullopt;
        ++start;
    }
    const std::string_view row = text.substr(start, text.find('\n', start) - start);
    const std::string_view indentation = row.substr(0, row.find_first_not_of(" \t"));
    const std::size_t tab = indentation.find('\t');
    if (tab == std::string_view::npos) return std::nullopt;
    return static_cast<int>(tab) + 1;
}

// A limit is reported like any other problem in the file, and nothing of the file is read.
void reportBreach(const ReadContext& ctx, const LimitBreach& breach) {
    ctx.issues.add({ctx.file, breach.line, breach.column}, "", breach.message);
}

}  // namespace

FileContent readDocument(const ReadContext& ctx, const std::string& text) {
    FileContent out;
    if (auto breach = checkTextLimits(text)) {
        reportBreach(ctx, *breach);
        return out;
    }
    FirstDocument document;
    try {
        document = loadFirstDocument(text);
    } catch (const YAML::Exception& e) {
        const YAML::Mark m = e.mark;
        if (auto tab = m.line >= 0 ? tabInIndentation(text, m.line + 1) : std::nullopt) {
            ctx.issues.add({ctx.file, m.line + 1, *tab}, "",
                           "tab characters are not allowed for indentation (use spaces)");
            return out;
        }
        ctx.issues.add({ctx.file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0}, "",
                       "YAML syntax error: " + e.msg);
        return out;
    }
    if (document.next) {
        const YAML::Mark m = *document.next;
        const std::size_t at = static_cast<std::size_t>(std::max(m.pos, 0));
        ctx.issues.add({ctx.file, m.line + 1, m.column + 1}, "",
                       document.stuck && at < text.size()
                           ? "YAML syntax error: unexpected '" + text.substr(at, 1) + "'"
                           : "only one YAML document per file (found another after '---')");
        return out;
    }
    const YAML::Node& root = document.root;
    if (auto breach = checkAliasExpansion(text, root)) {
        reportBreach(ctx, *breach);
        return out;
    }
    if (root.IsNull()) return out;  // an empty file, or only comments
    if (!root.IsMap()) {
        ctx.error(root, "",
                  "the top level must be a map with 'services:' (and optionally 'supervisor:'), got " +
                      describe(root));
        return out;
    }
    if (reportNonUtf8(ctx, root, "") > 0) return out;
    MapFields top(ctx, root, "");
    for (const auto& f : top.all()) {
        if (f.name == "services")
            readServices(ctx, f, out);
        else if (f.name == "supervisor")
            out.supervisor = readSupervisor(ctx, f);
        else
            reportUnknownTopLevel(ctx, f);
    }
    return out;
}

}  // namespace sup::config
