// The dependency graph of a configuration, from every service's requires/wants/after: the checks
// that need all files at once (unknown names, self-references, ordering cycles). The daemon orders
// starts and stops by the same edges resolved to instances (daemon/core/DependencyIndex). Pure: no
// syscalls, O(services + edges), no recursion (a configuration may chain thousands of services).
#pragma once

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

// Reports unknown names (with a did-you-mean), instance indexes out of range, self-references, and
// each cycle of the ordering graph (requires + after; wants does not order) once, with every edge and
// the file:line:column of the list item that makes it.
void checkDependencies(const Config& config, IssueList& issues);

}  // namespace sup::config
