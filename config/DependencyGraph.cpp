#include "DependencyGraph.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_map>

#include "ServiceReader.h"
#include "Suggest.h"

namespace sup::config {

std::optional<DependencyTarget> splitDependencyName(std::string_view name) {
    const auto at = name.find('@');
    DependencyTarget target{std::string(name.substr(0, at)), std::nullopt};
    if (!isValidServiceName(target.service)) return std::nullopt;
    if (at == std::string_view::npos) return target;
    const std::string_view digits = name.substr(at + 1);
    if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
    unsigned index = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
    target.instance = index;
    return target;
}

std::optional<std::string> dependencyNameProblem(std::string_view name) {
    if (splitDependencyName(name)) return std::nullopt;
    const auto at = name.find('@');
    if (auto why = serviceNameProblem(name.substr(0, at))) return *why;
    return "expected a service name (db) or an instance name (db@0)";
}

namespace {

std::string place(const SourceLocation& at) {
    return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// The three lists of a service, with their YAML keys; requires first, so that of two edges between the
// same services the requires one is named.
struct DependencyList {
    const char* key;
    const std::vector<DependencyRef> ServiceSpec::*refs;
    bool orders;
};
constexpr DependencyList kLists[] = {
    {"requires", &ServiceSpec::required, true},
    {"wants", &ServiceSpec::wanted, false},
    {"after", &ServiceSpec::after, true},
};

// Index of each service of `config` by name.
std::unordered_map<std::string_view, std::size_t> indexByName(const Config& config) {
    std::unordered_map<std::string_view, std::size_t> index;
    index.reserve(config.services.size());
    for (std::size_t i = 0; i < config.services.size(); ++i) index.emplace(config.services[i].name, i);
    return index;
}

// The service a reference names, or kNone (unknown, malformed or out of range).
std::size_t resolve(const std::unordered_map<std::string_view, std::size_t>& index, const Config& config,
                    const DependencyRef& ref) {
    auto target = splitDependencyName(ref.name);
    if (!target) return kNone;
    auto it = index.find(target->service);
    if (it == index.end()) return kNone;
    const ServiceSpec& spec = config.services[it->second];
    if (target->instance && (spec.numprocs <= 1 || *target->instance >= spec.numprocs)) return kNone;
    return it->second;
}

struct Edge {
    std::size_t to;
    const DependencyRef* ref;
    const char* key;
};

// Strongly connected components of the ordering graph (Tarjan's algorithm with an explicit stack):
// the component number of each vertex.
std::vector<std::size_t> components(const std::vector<std::vector<Edge>>& edges) {
    const std::size_t n = edges.size();
    std::vector<std::size_t> order(n, kNone), low(n, 0), component(n, kNone);
    std::vector<bool> onStack(n, false);
    std::vector<std::size_t> stack;
    std::vector<std::pair<std::size_t, std::size_t>> calls;  // vertex, next edge to follow
    std::size_t counter = 0, componentCount = 0;
    auto visit = [&](std::size_t v) {
        order[v] = low[v] = counter++;
        stack.push_back(v);
        onStack[v] = true;
        calls.emplace_back(v, 0);
    };
    for (std::size_t root = 0; root < n; ++root) {
        if (order[root] != kNone) continue;
        visit(root);
        while (!calls.empty()) {
            const std::size_t v = calls.back().first;
            const std::size_t next = calls.back().second;
            if (next < edges[v].size()) {
                ++calls.back().second;
                const std::size_t w = edges[v][next].to;
                if (order[w] == kNone)
                    visit(w);
                else if (onStack[w])
                    low[v] = std::min(low[v], order[w]);
                continue;
            }
            if (low[v] == order[v]) {
                std::size_t w = kNone;
                do {
                    w = stack.back();
                    stack.pop_back();
                    onStack[w] = false;
                    component[w] = componentCount;
                } while (w != v);
                ++componentCount;
            }
            calls.pop_back();
            if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
        }
    }
    return component;
}

// A shortest cycle through `start` inside its component (breadth-first), as its edges in order.
std::vector<const Edge*> cycleThrough(std::size_t start, const std::vector<std::vector<Edge>>& edges,
                                      const std::vector<std::size_t>& component) {
    struct Step {
        std::size_t from;
        const Edge* edge;
    };
    std::unordered_map<std::size_t, Step> reachedBy;  // vertex -> how it was first reached
    std::vector<std::size_t> queue{start};
    std::optional<Step> closing;
    for (std::size_t head = 0; head < queue.size() && !closing; ++head) {
        const std::size_t v = queue[head];
        for (const Edge& e : edges[v]) {
            if (component[e.to] != component[start]) continue;
            if (e.to == start) {
                closing = Step{v, &e};
                break;
            }
            if (reachedBy.emplace(e.to, Step{v, &e}).second) queue.push_back(e.to);
        }
    }
    std::vector<const Edge*> path;
    if (!closing) return path;  // a component of one vertex has no cycle (self-references have no edge)
    path.push_back(closing->edge);
    for (std::size_t v = closing->from; v != start;) {
        const Step& step = reachedBy.at(v);
        path.push_back(step.edge);
        v = step.from;
    }
    std::reverse(path.begin(), path.end());
    return path;
}

}  // namespace

namespace {

// Unknown names, indexes out of range and self-references, at the list item.
void checkNames(const Config& config, const std::unordered_map<std::string_view, std::size_t>& index,
                IssueList& issues) {
    std::vector<std::string> names;
    for (const auto& spec : config.services) names.push_back(spec.name);
    for (const auto& spec : config.services) {
        for (const auto& list : kLists) {
            const auto& refs = spec.*list.refs;
            for (std::size_t i = 0; i < refs.size(); ++i) {
                const DependencyRef& ref = refs[i];
                const std::string key =
                    "services." + spec.name + "." + list.key + "[" + std::to_string(i) + "]";
                auto target = splitDependencyName(ref.name);
                if (!target) continue;  // the reader reported the form already
                auto it = index.find(target->service);
                if (it == index.end()) {
                    issues.add(
                        ref.where, key,
                        "unknown service '" + target->service + "'" + didYouMean(target->service, names));
                    continue;
                }
                const ServiceSpec& other = config.services[it->second];
                if (other.name == spec.name) {
                    issues.add(ref.where, key,
                               "'" + ref.name + "' is this service itself; a service cannot " +
                                   (list.orders ? "wait for" : "want") + " itself");
                    continue;
                }
                if (!target->instance) continue;
                if (other.numprocs <= 1)
                    issues.add(ref.where, key,
                               "'" + other.name + "' has one instance, named '" + other.name + "' (not '" +
                                   ref.name + "')");
                else if (*target->instance >= other.numprocs)
                    issues.add(ref.where, key,
                               "'" + other.name + "' has " + std::to_string(other.numprocs) + " instances, " +
                                   other.name + "@0 to " + other.name + "@" +
                                   std::to_string(other.numprocs - 1) + " (not '" + ref.name + "')");
            }
        }
    }
}

}  // namespace

void checkDependencies(const Config& config, IssueList& issues) {
    const auto index = indexByName(config);
    checkNames(config, index, issues);

    const std::size_t n = config.services.size();
    std::vector<std::vector<Edge>> edges(n);
    for (std::size_t i = 0; i < n; ++i) {
        const ServiceSpec& spec = config.services[i];
        for (const auto& list : kLists) {
            if (!list.orders) continue;
            for (const auto& ref : spec.*list.refs) {
                const std::size_t to = resolve(index, config, ref);
                if (to != kNone && to != i) edges[i].push_back({to, &ref, list.key});
            }
        }
    }
    const auto component = components(edges);
    std::vector<bool> reported(n, false);              // per component
    for (std::size_t start = 0; start < n; ++start) {  // by name: the first member of a cycle starts it
        if (reported[component[start]]) continue;
        reported[component[start]] = true;
        const auto cycle = cycleThrough(start, edges, component);
        if (cycle.empty()) continue;
        std::string text = "dependency cycle: " + config.services[start].name;
        for (const Edge* e : cycle)
            text += " -> " + config.services[e->to].name + " (" + place(e->ref->where) + ")";
        issues.add(cycle.front()->ref->where,
                   "services." + config.services[start].name + "." + cycle.front()->key, text);
    }
}

}  // namespace sup::config
