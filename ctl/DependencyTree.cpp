#include "ctl/DependencyTree.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "ctl/StatusView.h"
#include "ctl/Table.h"

namespace sup::ctl {

namespace {

const std::vector<DependencyEdge> kNoEdges;

// Up as `supctl stop` means it: the daemon has something to stop (a process, or a start on its way).
bool isUp(const ProcessRecord& p) {
    return p.state == "STARTING" || p.state == "RUNNING" || p.state == "BACKOFF" ||
           (p.state == "STOPPED" && p.readyState == "waiting");
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

DependencyGraph::DependencyGraph(std::vector<ProcessRecord> processes) : processes_(std::move(processes)) {
    for (std::size_t i = 0; i < processes_.size(); ++i) {
        byName_.emplace(processes_[i].name, i);
        byGroup_[processes_[i].group].push_back(processes_[i].name);
    }
    // Strongest relation first, so an instance named by requires and after counts as required.
    for (const auto& p : processes_) {
        auto& edges = forward_[p.name];
        for (const auto& [refs, relation] : {std::pair{&p.required, "requires"},
                                             std::pair{&p.wanted, "wants"}, std::pair{&p.after, "after"}})
            for (const auto& ref : *refs)
                for (auto& instance : instancesOf(ref)) {
                    const bool known = std::any_of(edges.begin(), edges.end(), [&](const DependencyEdge& e) {
                        return e.instance == instance;
                    });
                    if (instance != p.name && !known) edges.push_back({std::move(instance), relation});
                }
        for (const auto& e : edges) reverse_[e.instance].push_back({p.name, e.relation});
    }
}

const ProcessRecord* DependencyGraph::find(const std::string& instance) const {
    auto it = byName_.find(instance);
    return it == byName_.end() ? nullptr : &processes_[it->second];
}

std::vector<std::string> DependencyGraph::instancesOf(const std::string& name) const {
    if (byName_.count(name)) return {name};
    auto it = byGroup_.find(name);
    return it == byGroup_.end() ? std::vector<std::string>{} : it->second;
}

const std::vector<DependencyEdge>& DependencyGraph::dependencies(const std::string& instance) const {
    auto it = forward_.find(instance);
    return it == forward_.end() ? kNoEdges : it->second;
}

const std::vector<DependencyEdge>& DependencyGraph::dependents(const std::string& instance) const {
    auto it = reverse_.find(instance);
    return it == reverse_.end() ? kNoEdges : it->second;
}

std::vector<std::string> DependencyGraph::requiredByClosure(const std::vector<std::string>& instances) const {
    std::set<std::string> seen(instances.begin(), instances.end());
    std::vector<std::string> todo(instances.begin(), instances.end());
    std::set<std::string> found;
    while (!todo.empty()) {
        const std::string name = std::move(todo.back());
        todo.pop_back();
        const ProcessRecord* p = find(name);
        if (!p) continue;
        for (const auto& dependent : p->requiredBy)
            if (seen.insert(dependent).second) {
                found.insert(dependent);
                todo.push_back(dependent);
            }
    }
    std::vector<std::string> out;
    for (const auto& p : processes_)
        if (found.count(p.name)) out.push_back(p.name);
    return out;
}

namespace {

TreeNode buildNode(const DependencyGraph& graph, const std::string& instance, const std::string& relation,
                   TreeDirection direction, std::vector<std::string>& path) {
    TreeNode node;
    node.name = instance;
    node.relation = relation;
    node.process = graph.find(instance);
    if (std::find(path.begin(), path.end(), instance) != path.end()) {
        node.cycle = true;
        return node;
    }
    path.push_back(instance);
    const auto& edges =
        direction == TreeDirection::Dependencies ? graph.dependencies(instance) : graph.dependents(instance);
    for (const auto& e : edges)
        node.children.push_back(buildNode(graph, e.instance, e.relation, direction, path));
    path.pop_back();
    return node;
}

std::string nodeLine(const TreeNode& node, bool colour) {
    std::string line = node.name;
    if (node.process) line += " " + paint(node.process->state, stateStyle(*node.process), colour);
    if (node.cycle) line += " (cycle)";
    return line + "\n";
}

void renderChildren(const TreeNode& node, const std::string& prefix, const TreeGlyphs& glyphs, bool colour,
                    std::string& out) {
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        const bool last = i + 1 == node.children.size();
        const TreeNode& child = node.children[i];
        out += prefix + (last ? glyphs.last : glyphs.branch) + nodeLine(child, colour);
        renderChildren(child, prefix + (last ? glyphs.space : glyphs.vertical), glyphs, colour, out);
    }
}

}  // namespace

TreeNode dependencyTree(const DependencyGraph& graph, const std::string& name, TreeDirection direction) {
    std::vector<std::string> path;
    if (graph.find(name)) return buildNode(graph, name, "", direction, path);
    const auto instances = graph.instancesOf(name);
    if (instances.empty()) throw std::out_of_range("no such process: " + name);
    TreeNode root;
    root.name = name;
    for (const auto& instance : instances)
        root.children.push_back(buildNode(graph, instance, "", direction, path));
    return root;
}

std::string renderTree(const TreeNode& root, const TreeGlyphs& glyphs, bool colour) {
    std::string out = nodeLine(root, colour);
    renderChildren(root, "", glyphs, colour, out);
    return out;
}

Json treeJson(const TreeNode& root) {
    Json children = Json::array();
    for (const auto& child : root.children) children.push_back(treeJson(child));
    Json j = Json::object();
    j["name"] = root.name;
    j["state"] = root.process ? root.process->state : "";
    j["ready_state"] = root.process ? root.process->readyState : "";
    j["relation"] = root.relation;
    j["cycle"] = root.cycle;
    j["children"] = std::move(children);
    return j;
}

std::vector<std::string> dependentsToStop(const DependencyGraph& graph,
                                          const std::vector<std::string>& stopping) {
    const std::set<std::string> asked(stopping.begin(), stopping.end());
    std::vector<std::string> out;
    for (const auto& name : graph.requiredByClosure(stopping)) {
        const ProcessRecord* p = graph.find(name);
        if (p && isUp(*p) && !asked.count(name)) out.push_back(name);
    }
    return out;
}

std::string stopNotice(const DependencyGraph& graph, const std::vector<std::string>& stopping) {
    const auto dependents = dependentsToStop(graph, stopping);
    if (dependents.empty()) return "";
    const std::set<std::string> shown(dependents.begin(), dependents.end());
    std::vector<std::string> required;  // those of `stopping` that one of the dependents requires
    for (const auto& name : stopping) {
        const auto above = graph.requiredByClosure({name});
        if (std::any_of(above.begin(), above.end(), [&](const std::string& d) { return shown.count(d) > 0; }))
            required.push_back(name);
    }
    return "Stopping " + joinNames(dependents) +
           (dependents.size() == 1 ? " (it requires " : " (they require ") + joinNames(required) + ").\n";
}

}  // namespace sup::ctl
