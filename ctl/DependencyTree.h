// `supctl list-dependencies` and the note `supctl stop` prints: the dependency graph of the instances,
// built from one ListProcesses reply (no call per process), and its tree as text, like
// `systemctl list-dependencies`, or as JSON. Pure, so every shape is unit-tested.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/JsonOutput.h"
#include "ctl/Model.h"

namespace sup::ctl {

// One edge from a dependent to what it depends on; `relation` is the key of the dependent that makes
// it: "requires", "wants" or "after" (the strongest when several name the same instance).
struct DependencyEdge {
    std::string instance;
    std::string relation;
};

class DependencyGraph {
  public:
    explicit DependencyGraph(std::vector<ProcessRecord> processes);

    const ProcessRecord* find(const std::string& instance) const;
    // The instances a name stands for: the instance itself, or every instance of a service, in the
    // daemon's order; empty when the name is unknown.
    std::vector<std::string> instancesOf(const std::string& name) const;
    // What `instance` requires, wants and comes after (services expanded to their instances), each once.
    const std::vector<DependencyEdge>& dependencies(const std::string& instance) const;
    // The reverse: the instances whose requires, wants or after name `instance`.
    const std::vector<DependencyEdge>& dependents(const std::string& instance) const;
    // What requires any of `instances`, transitively (RequiredBy as the daemon reports it), in the
    // daemon's order, without `instances` themselves.
    std::vector<std::string> requiredByClosure(const std::vector<std::string>& instances) const;

  private:
    std::vector<ProcessRecord> processes_;
    std::map<std::string, std::size_t> byName_;
    std::map<std::string, std::vector<std::string>> byGroup_;
    std::map<std::string, std::vector<DependencyEdge>> forward_, reverse_;
};

enum class TreeDirection { Dependencies, Dependents };

struct TreeNode {
    std::string name;
    std::string relation;                    // "" for the root and for the instances of a service root
    const ProcessRecord* process = nullptr;  // null for a service root
    bool cycle = false;                      // already on the path from the root: not expanded again
    std::vector<TreeNode> children;
};

// The tree below `name` (an instance, or a service whose instances become the first level). Each
// instance appears once per branch; a cycle (which the configuration refuses) is cut, not followed.
// Throws std::out_of_range for an unknown name.
TreeNode dependencyTree(const DependencyGraph& graph, const std::string& name, TreeDirection direction);

// The glyphs systemctl draws with: box drawing on a UTF-8 terminal, ASCII elsewhere.
struct TreeGlyphs {
    const char* branch;    // "├─"
    const char* last;      // "└─"
    const char* vertical;  // "│ "
    const char* space;     // "  "
};
inline constexpr TreeGlyphs kUtf8Glyphs{"\u251c\u2500", "\u2514\u2500", "\u2502 ", "  "};
inline constexpr TreeGlyphs kAsciiGlyphs{"|-", "`-", "| ", "  "};

// "api RUNNING" on the first line (just the name for a service), then one line per node:
// "├─db RUNNING". A cut cycle ends its line with " (cycle)".
std::string renderTree(const TreeNode& root, const TreeGlyphs& glyphs, bool colour);
// {name, state, relation, ready_state, children: [...]}; state "" for a service root.
Json treeJson(const TreeNode& root);

// `supctl stop`: what the daemon stops first because it requires one of `stopping` (transitively) and
// is up (starting, running, in backoff or waiting to start), without `stopping` themselves.
std::vector<std::string> dependentsToStop(const DependencyGraph& graph,
                                          const std::vector<std::string>& stopping);
// "Stopping api, web (they require db).\n" for those, or "" when there are none.
std::string stopNotice(const DependencyGraph& graph, const std::vector<std::string>& stopping);

}  // namespace sup::ctl
