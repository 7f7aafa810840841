// Walking yaml-cpp nodes with every problem reported (never thrown) as a located ConfigIssue.
//
// yaml-cpp 0.7 keeps duplicate keys (lookups return the first) and throws from Mark() on a missing
// node, so maps are only ever read by iterating them here: MapFields sees every key, reports repeats
// and unknown ones, and hands out entries whose nodes really exist.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "IssueList.h"
#include "ServiceSpec.h"

namespace sup::config {

// What every reader needs: the file being read (for locations) and where problems go.
struct ReadContext {
    std::string file;
    std::string baseDir;  // directory of `file`, for relative paths written in it
    IssueList& issues;

    SourceLocation locate(const YAML::Node& node) const;
    void error(const YAML::Node& at, const std::string& key, std::string message) const {
        issues.add(locate(at), key, std::move(message));
    }
};

// One entry of a map: `path` is the dotted key path ("services.web.restart").
struct Field {
    std::string name;
    std::string path;
    YAML::Node key;
    YAML::Node value;
};

std::string joinPath(const std::string& parent, const std::string& key);

// "a list", "a map", "nothing", "'abc'": what a node is, for "expected X, got Y".
std::string describe(const YAML::Node& node);

// The entries of one map node, in file order, each key once.
class MapFields {
  public:
    // `known` empty = any key is accepted (service names, environment variables).
    MapFields(const ReadContext& ctx, const YAML::Node& map, const std::string& path,
              std::vector<std::string> known = {});

    const std::vector<Field>& all() const { return fields_; }
    const Field* find(std::string_view name) const;

  private:
    std::vector<Field> fields_;
};

// `key: null` or `key: ~` as opposed to `key:` with nothing after it (yaml-cpp gives both as Null; only the
// mark tells them apart). Matters where "null" is a legitimate word, as in `stdout: null`.
bool isWrittenNull(const Field& f);

// True for a map or an empty value (an empty `environment:` means none); reports anything else.
bool expectMap(const ReadContext& ctx, const Field& f);

// Typed scalars. Each reports "expected ..., got ..." at the value and returns nullopt on a problem.
std::optional<std::string> readString(const ReadContext& ctx, const Field& f);
std::optional<bool> readBool(const ReadContext& ctx, const Field& f);
std::optional<long long> readInteger(const ReadContext& ctx, const Field& f, long long min, long long max);
std::optional<Duration> readDuration(const ReadContext& ctx, const Field& f);
std::optional<std::uint64_t> readSize(const ReadContext& ctx, const Field& f);
std::optional<int> readSignal(const ReadContext& ctx, const Field& f);
// One of `choices`, with a "did you mean" for a near miss.
std::optional<std::string> readChoice(const ReadContext& ctx, const Field& f,
                                      const std::vector<std::string>& choices);
// An absolute path (no NUL, starts with '/').
std::optional<std::string> readAbsolutePath(const ReadContext& ctx, const Field& f);

// The elements of a list value as fields named "path[i]"; a lone scalar counts as a one-element list
// when `scalarIsList` (e.g. success_exit_codes: 0). Reports anything else and returns nullopt.
std::optional<std::vector<Field>> listItems(const ReadContext& ctx, const Field& f,
                                            bool scalarIsList = false);

}  // namespace sup::config
