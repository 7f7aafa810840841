// The requires/wants/after edges of a config, resolved to instance names, with their reverse edges,
// for the supervisor to order starts and stops. Pure. A name in a list is a service (all of its
// instances) or one instance ("db@1"); names the config does not define are skipped (the config
// loader refuses them, and cycles, with file:line before a Supervisor ever sees them).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ServiceSpec.h"

namespace sup {

class DependencyIndex {
  public:
    void rebuild(const std::vector<ServiceSpec>& services);
    void rebuild(const std::vector<SharedSpec>& services);
    bool empty() const { return edges_.empty(); }

    // What `instance` lists, resolved: requires, wants, and what it is ordered after (requires+after).
    const std::vector<std::string>& required(const std::string& instance) const;
    const std::vector<std::string>& wanted(const std::string& instance) const;
    const std::vector<std::string>& orderedAfter(const std::string& instance) const;
    // The reverse edges: who requires `instance`, and who is ordered after it (requires+after).
    const std::vector<std::string>& requiredBy(const std::string& instance) const;
    const std::vector<std::string>& orderedBefore(const std::string& instance) const;
    bool needs(const std::string& instance, const std::string& dependency) const;  // requires it

    // `instance` and what it requires and wants, transitively, dependencies before dependents.
    std::vector<std::string> startClosure(const std::string& instance) const;
    // What requires `instance`, transitively (not `instance` itself).
    std::vector<std::string> requiredByClosure(const std::string& instance) const;
    // `names` sorted so that each comes after what it is ordered after; ties keep the given order.
    // Names on a cycle (which the loader refuses) come last in the given order.
    std::vector<std::string> startOrder(const std::vector<std::string>& names) const;
    // How many levels of dependents stand above `instance` (0 = nothing is ordered after it): a
    // shutdown stops rank 0 first, so dependents go down before what they depend on.
    unsigned stopRank(const std::string& instance) const;

  private:
    void rebuildFrom(const std::vector<const ServiceSpec*>& services);
    struct Edges {
        std::vector<std::string> required, wanted, orderedAfter, requiredBy, orderedBefore;
    };
    const Edges* find(const std::string& instance) const;
    std::unordered_map<std::string, Edges> edges_;
    std::unordered_map<std::string, unsigned> stopRank_;
};

}  // namespace sup
