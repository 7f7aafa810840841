// The dependency graph of a configuration, from every service's requires/wants/after: the checks
// that need all files at once (unknown names, self-references, ordering cycles) and the edges the
// daemon orders starts and stops by. Pure: no syscalls, O(services + edges), no recursion (a
// configuration may chain thousands of services).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "IssueList.h"
#include "ServiceSpec.h"

namespace sup::config {

// What a name in requires/wants/after points at: a whole service ("db") or one instance ("db@1").
struct DependencyTarget {
    std::string service;
    std::optional<unsigned> instance;
    bool operator==(const DependencyTarget&) const = default;
};

// "db" -> {db}, "db@1" -> {db, 1}; nullopt unless it is a valid service name, optionally followed by
// '@' and an instance index written as instance names are (no sign, no leading zero).
std::optional<DependencyTarget> splitDependencyName(std::string_view name);

// Why `name` cannot be a dependency name, or nullopt (the form only, not whether it exists).
std::optional<std::string> dependencyNameProblem(std::string_view name);

// One service's place in the graph, at the level of services (an instance reference counts for its
// service). Each list holds a name once, in the order first written (requiredBy/wantedBy: by name).
struct ServiceDependencies {
    std::vector<std::string> orderedAfter;  // requires + after: must be ready before this one starts
    std::vector<std::string> requiredBy;    // services whose requires name this one (stopped first)
    std::vector<std::string> wantedBy;      // services whose wants name this one
};

// An entry for every service of `config`. Names that are no service, and self-references, are left
// out (checkDependencies reports them).
std::map<std::string, ServiceDependencies> dependencyGraph(const Config& config);

// Every service name in an order that starts each one after its orderedAfter (requires + after);
// among the services free to go, lower priority first, then by name (Kahn's algorithm). Stopping
// goes in the reverse order. Services on a cycle (only in a configuration checkDependencies
// refused) come last, by priority.
std::vector<std::string> startOrder(const Config& config);

// Reports unknown names (with a did-you-mean), instance indexes out of range, self-references, and
// each cycle of the ordering graph (requires + after; wants does not order) once, with every edge and
// the file:line:column of the list item that makes it.
void checkDependencies(const Config& config, IssueList& issues);

}  // namespace sup::config
