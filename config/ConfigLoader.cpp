#include "ConfigLoader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>

#include "ConfigMerge.h"
#include "DependencyGraph.h"
#include "DocumentLimits.h"
#include "DocumentReader.h"
#include "TextFile.h"

namespace sup::config {

namespace fs = std::filesystem;

namespace {

bool isConfigFileName(const std::string& name) {
    if (name.empty() || name[0] == '.') return false;  // editors' and package managers' hidden leftovers
    return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::string directoryOf(const std::string& file) {
    std::string dir = fs::path(file).parent_path().string();
    return dir.empty() ? "." : dir;
}

// Within one file, issues in line order (readers visit keys in a fixed order, not the file's); files
// keep the order in which they first had a problem.
std::vector<ConfigIssue> ordered(std::vector<ConfigIssue> issues) {
    std::vector<std::string> fileOrder;
    for (const auto& i : issues)
        if (std::find(fileOrder.begin(), fileOrder.end(), i.where.file) == fileOrder.end())
            fileOrder.push_back(i.where.file);
    auto rank = [&](const ConfigIssue& i) {
        return std::find(fileOrder.begin(), fileOrder.end(), i.where.file) - fileOrder.begin();
    };
    std::stable_sort(issues.begin(), issues.end(), [&](const ConfigIssue& a, const ConfigIssue& b) {
        return std::tuple(rank(a), a.where.line, a.where.column) <
               std::tuple(rank(b), b.where.line, b.where.column);
    });
    return issues;
}

void readOne(const std::string& file, const std::string& text, IssueList& issues, ConfigMerge& merge) {
    ReadContext ctx{file, directoryOf(file), issues};
    merge.add(file, readDocument(ctx, text));
}

Config finish(IssueList& issues, ConfigMerge&& merge) {
    Config config = std::move(merge).finish();
    checkDependencies(config, issues);  // across files: names may point into any of them
    if (!issues.empty()) throw ConfigError(ordered(issues.take()));
    return config;
}

}  // namespace

ConfigFileList listConfigFiles(const std::string& path) {
    ConfigFileList out;
    auto problem = [&](const std::string& message) { out.issues.push_back({{path, 0, 0}, "", message}); };
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec) {
        problem("cannot read configuration: " + ec.message());
        return out;
    }
    if (!fs::is_directory(status)) {
        out.files.push_back(path);
        return out;
    }
    std::vector<std::string> names;
    fs::directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!isConfigFileName(name)) continue;
        // Sub-directories are skipped (documented). Anything else with a config name is listed, so that
        // reading it reports what is wrong (a FIFO, a socket, no permission) instead of the file silently
        // not counting; a symlink whose target is gone says so, since "No such file" about a name that
        // `ls` shows is a puzzle.
        std::error_code typeError;
        if (it->is_directory(typeError)) continue;
        std::error_code targetError;  // set for a dangling symlink, like the not_found type below
        if (it->is_symlink(typeError) &&
            fs::status(it->path(), targetError).type() == fs::file_type::not_found) {
            std::error_code linkError;
            const auto target = fs::read_symlink(it->path(), linkError);
            out.issues.push_back({{it->path().string(), 0, 0},
                                  "",
                                  "broken symlink (its target " +
                                      (linkError ? std::string("?") : target.string()) + " does not exist)"});
            continue;
        }
        names.push_back(name);
    }
    if (ec) {
        problem("cannot list configuration directory: " + ec.message());
        return out;
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) out.files.push_back((fs::path(path) / name).string());
    return out;
}

Config load(const std::string& path) {
    IssueList issues;
    auto list = listConfigFiles(path);
    for (auto& issue : list.issues) issues.add(issue.where, issue.key, issue.message);
    ConfigMerge merge(issues);
    for (const auto& file : list.files) {
        std::string text;
        try {
            text = readTextFile(file, kMaxConfigFileBytes);
        } catch (const std::system_error& e) {
            const bool tooLarge = e.code() == std::errc::file_too_large;
            issues.add({file, 0, 0}, "", tooLarge ? fileTooLargeMessage() : std::string(e.what()));
            continue;
        }
        readOne(file, text, issues, merge);
    }
    return finish(issues, std::move(merge));
}

Config loadString(const std::string& yaml, const std::string& fileLabel) {
    IssueList issues;
    ConfigMerge merge(issues);
    readOne(fileLabel, yaml, issues, merge);
    return finish(issues, std::move(merge));
}

Config loadStrings(const std::vector<TextFileContent>& files) {
    IssueList issues;
    ConfigMerge merge(issues);
    for (const auto& file : files) readOne(file.label, file.text, issues, merge);
    return finish(issues, std::move(merge));
}

}  // namespace sup::config
