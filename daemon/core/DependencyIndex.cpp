#include "core/DependencyIndex.h"

#include <algorithm>
#include <set>
#include <unordered_set>

namespace sup {

namespace {
const std::vector<std::string> kNone;

void addUnique(std::vector<std::string>& to, const std::string& name) {
    if (std::find(to.begin(), to.end(), name) == to.end()) to.push_back(name);
}
}  // namespace

void DependencyIndex::rebuild(const std::vector<ServiceSpec>& services) {
    std::vector<const ServiceSpec*> specs;
    for (const auto& s : services) specs.push_back(&s);
    rebuildFrom(specs);
}

void DependencyIndex::rebuild(const std::vector<SharedSpec>& services) {
    std::vector<const ServiceSpec*> specs;
    for (const auto& s : services) specs.push_back(s.get());
    rebuildFrom(specs);
}

void DependencyIndex::rebuildFrom(const std::vector<const ServiceSpec*>& services) {
    edges_.clear();
    stopRank_.clear();
    std::unordered_map<std::string, std::vector<std::string>> instancesOf;
    std::unordered_set<std::string> instances;
    for (const ServiceSpec* spec : services) {
        const ServiceSpec& s = *spec;
        instancesOf[s.name] = s.instanceNames();
        for (const auto& i : instancesOf[s.name]) instances.insert(i);
    }
    auto resolve = [&](const std::vector<DependencyRef>& refs) {
        std::vector<std::string> out;
        for (const auto& ref : refs) {
            if (auto it = instancesOf.find(ref.name); it != instancesOf.end())
                for (const auto& i : it->second) addUnique(out, i);
            else if (instances.count(ref.name))
                addUnique(out, ref.name);
        }
        return out;
    };
    for (const ServiceSpec* spec : services) {
        const ServiceSpec& s = *spec;
        if (s.required.empty() && s.wanted.empty() && s.after.empty()) continue;
        const auto required = resolve(s.required), wanted = resolve(s.wanted), after = resolve(s.after);
        for (const auto& self : instancesOf[s.name]) {
            Edges& e = edges_[self];
            for (const auto& d : required)
                if (d != self) addUnique(e.required, d), addUnique(e.orderedAfter, d);
            for (const auto& d : wanted)
                if (d != self) addUnique(e.wanted, d);
            for (const auto& d : after)
                if (d != self) addUnique(e.orderedAfter, d);
        }
    }
    // The reverse edges. Collected first: inserting into edges_ while iterating it would rehash.
    std::vector<std::pair<std::string, std::string>> requiredBy, orderedBefore;
    for (const auto& [name, e] : edges_) {
        for (const auto& d : e.required) requiredBy.emplace_back(d, name);
        for (const auto& d : e.orderedAfter) orderedBefore.emplace_back(d, name);
    }
    for (const auto& [d, name] : requiredBy) edges_[d].requiredBy.push_back(name);
    for (const auto& [d, name] : orderedBefore) edges_[d].orderedBefore.push_back(name);

    // Stop ranks, iteratively (a chain of 10,000 services must not recurse 10,000 deep): Kahn's
    // algorithm over the reverse ordering edges, from the instances nothing is ordered after.
    std::unordered_map<std::string, std::size_t> pending;  // dependents not ranked yet
    std::vector<std::string> ready;
    for (const auto& [name, e] : edges_) {
        pending[name] = e.orderedBefore.size();
        if (e.orderedBefore.empty()) ready.push_back(name);
    }
    while (!ready.empty()) {
        const std::string name = std::move(ready.back());
        ready.pop_back();
        const unsigned rank = stopRank_[name];
        for (const auto& d : edges_[name].orderedAfter) {
            stopRank_[d] = std::max(stopRank_[d], rank + 1);
            if (--pending[d] == 0) ready.push_back(d);
        }
    }
}

const DependencyIndex::Edges* DependencyIndex::find(const std::string& instance) const {
    auto it = edges_.find(instance);
    return it == edges_.end() ? nullptr : &it->second;
}

const std::vector<std::string>& DependencyIndex::required(const std::string& i) const {
    const Edges* e = find(i);
    return e ? e->required : kNone;
}
const std::vector<std::string>& DependencyIndex::wanted(const std::string& i) const {
    const Edges* e = find(i);
    return e ? e->wanted : kNone;
}
const std::vector<std::string>& DependencyIndex::orderedAfter(const std::string& i) const {
    const Edges* e = find(i);
    return e ? e->orderedAfter : kNone;
}
const std::vector<std::string>& DependencyIndex::requiredBy(const std::string& i) const {
    const Edges* e = find(i);
    return e ? e->requiredBy : kNone;
}
const std::vector<std::string>& DependencyIndex::orderedBefore(const std::string& i) const {
    const Edges* e = find(i);
    return e ? e->orderedBefore : kNone;
}

bool DependencyIndex::needs(const std::string& instance, const std::string& dependency) const {
    const auto& r = required(instance);
    return std::find(r.begin(), r.end(), dependency) != r.end();
}

std::vector<std::string> DependencyIndex::startClosure(const std::string& instance) const {
    // Iterative post-order DFS over requires+wants: dependencies are listed before their dependents.
    std::vector<std::string> out;
    std::unordered_set<std::string> seen{instance};
    std::vector<std::pair<std::string, std::size_t>> stack{{instance, 0}};
    while (!stack.empty()) {
        auto& [name, next] = stack.back();
        const Edges* e = find(name);
        const std::size_t nRequired = e ? e->required.size() : 0, n = nRequired + (e ? e->wanted.size() : 0);
        if (next < n) {
            const std::string& d = next < nRequired ? e->required[next] : e->wanted[next - nRequired];
            ++next;
            if (seen.insert(d).second) stack.emplace_back(d, 0);
            continue;
        }
        out.push_back(name);
        stack.pop_back();
    }
    return out;
}

std::vector<std::string> DependencyIndex::requiredByClosure(const std::string& instance) const {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen{instance};
    std::vector<std::string> todo{instance};
    while (!todo.empty()) {
        const std::string name = std::move(todo.back());
        todo.pop_back();
        for (const auto& d : requiredBy(name))
            if (seen.insert(d).second) {
                out.push_back(d);
                todo.push_back(d);
            }
    }
    return out;
}

std::vector<std::string> DependencyIndex::startOrder(const std::vector<std::string>& names) const {
    if (edges_.empty()) return names;
    // Kahn's algorithm restricted to `names`, taking the earliest ready name each time (a set of
    // positions), so that without edges between them the given order (priority) is kept.
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < names.size(); ++i) position.emplace(names[i], i);
    std::vector<std::size_t> pending(names.size(), 0);
    std::set<std::size_t> ready;
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (const auto& d : orderedAfter(names[i]))
            if (position.count(d)) ++pending[i];
        if (pending[i] == 0) ready.insert(i);
    }
    std::vector<std::string> out;
    std::vector<bool> placed(names.size(), false);
    while (!ready.empty()) {
        const std::size_t i = *ready.begin();
        ready.erase(ready.begin());
        out.push_back(names[i]);
        placed[i] = true;
        for (const auto& d : orderedBefore(names[i]))
            if (auto it = position.find(d); it != position.end() && --pending[it->second] == 0)
                ready.insert(it->second);
    }
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!placed[i]) out.push_back(names[i]);
    return out;
}

unsigned DependencyIndex::stopRank(const std::string& instance) const {
    auto it = stopRank_.find(instance);
    return it == stopRank_.end() ? 0 : it->second;
}

}  // namespace sup
