// status, is-active, is-failed, show, pid: reading state, never changing it.
#include <chrono>
#include <map>
#include <set>

#include <sdbus-c++/Error.h>

#include "ctl/ActiveState.h"
#include "ctl/Commands.h"
#include "ctl/DefinitionView.h"
#include "ctl/DependencyTree.h"
#include "ctl/ExitCode.h"
#include "ctl/JsonOutput.h"
#include "ctl/ShowView.h"
#include "ctl/StatusView.h"
#include "ctl/Terminal.h"

namespace sup::ctl {

namespace {

std::int64_t realtimeNowUsec() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

bool isNoSuchProcess(const sdbus::Error& e) {
    return e.getName() == bus_errors::kNoSuchProcess;
}

// The instance names the patterns match. A pattern that matches nothing is reported (and noted in
// `unmatched`) without hiding what the other patterns match, as `systemctl status a b` does.
std::vector<std::string> matchEach(Context& c, const std::vector<std::string>& patterns, bool& unmatched) {
    try {
        return c.bus().match(patterns);
    } catch (const sdbus::Error& e) {
        if (!isNoSuchProcess(e)) throw;
    }
    unmatched = true;
    std::vector<std::string> names;
    for (const auto& pattern : patterns) {
        try {
            auto some = c.bus().match({pattern});
            names.insert(names.end(), some.begin(), some.end());
        } catch (const sdbus::Error& e) {
            if (!isNoSuchProcess(e)) throw;
            c.error(e.getMessage());
        }
    }
    return names;
}

// is-active/is-failed: one line per matched instance (in the order of the patterns), systemd's
// ActiveState word unless --quiet; a pattern that matches nothing prints "inactive", as systemctl does
// for a unit that is not found, and says nothing on stderr.
StateCheck checkStates(Context& c) {
    const auto& patterns = c.inv().args;
    std::vector<std::vector<std::string>> namesOf;  // per pattern, empty when it matches nothing
    std::vector<std::string> every;
    for (const auto& pattern : patterns) {
        std::vector<std::string> names;
        try {
            names = c.bus().match({pattern});
        } catch (const sdbus::Error& e) {
            if (!isNoSuchProcess(e)) throw;
        }
        every.insert(every.end(), names.begin(), names.end());
        namesOf.push_back(std::move(names));
    }
    std::map<std::string, std::string> stateOf;
    for (const auto& p : c.bus().getProcesses(every)) stateOf[p.name] = p.state;
    StateCheck check;
    std::set<std::string> seen;
    std::string lines;
    for (const auto& names : namesOf) {
        bool any = false;
        for (const auto& name : names) {
            auto it = stateOf.find(name);
            if (it == stateOf.end()) continue;  // gone since Match named it
            any = true;
            if (!seen.insert(name).second) continue;
            check.states.push_back(it->second);
            lines += activeStateOf(it->second) + "\n";
        }
        if (!any) {
            check.unmatched = true;
            lines += "inactive\n";
        }
    }
    if (!c.inv().quiet) c.out(lines);
    return check;
}

}  // namespace

int runStatus(Context& c) {
    const auto& patterns = c.inv().args;
    // Match resolves the patterns (globs, groups, "all") on the daemon; only what it names is fetched.
    std::vector<ProcessRecord> listed;
    bool unmatched = false;
    if (patterns.empty()) {
        listed = c.bus().listProcesses();
    } else {
        listed = c.bus().getProcesses(matchEach(c, patterns, unmatched));
    }
    if (c.json()) {
        c.out(processListLine(listed));
    } else if (!listed.empty()) {
        c.out(renderStatusTable(listed, realtimeNowUsec(), c.colour()));
    } else if (patterns.empty()) {
        c.out("No processes are configured.\n");
    }
    return statusExitCode(listed, unmatched);
}

int runIsActive(Context& c) {
    return isActiveExitCode(checkStates(c));
}

int runIsFailed(Context& c) {
    return isFailedExitCode(checkStates(c));
}

// show NAME and pid NAME take an instance or a group: a group shows every instance, as
// `systemctl show` does for several units (blocks separated by an empty line, a JSON array).
// `-p A,B` prints A then B, in the order asked, in text and in JSON.
int runShow(Context& c) {
    const auto& inv = c.inv();
    if (inv.args.empty()) {
        PropertyList props = daemonProperties(c.bus().daemonInfo());
        c.out(c.json() ? dumpLine(propertiesJson(props, inv.properties))
                       : renderProperties(props, inv.properties, inv.valueOnly));
        return kExitOk;
    }
    const std::string& name = inv.args.front();
    std::vector<ProcessRecord> instances = c.bus().getInstances(name);
    const bool group = instances.size() != 1 || instances.front().name != name;
    Json array = Json::array();
    std::string text;
    for (const auto& p : instances) {
        PropertyList props = processProperties(p, c.bus().definition(p.objectPath));
        if (c.json()) {
            array.push_back(propertiesJson(props, inv.properties));
            continue;
        }
        if (!text.empty()) text += "\n";
        text += renderProperties(props, inv.properties, inv.valueOnly);
    }
    c.out(c.json() ? dumpLine(group ? array : array.front()) : text);
    return kExitOk;
}

// cat NAME: the effective definition of each instance, as YAML with its source (like systemctl cat).
int runCat(Context& c) {
    std::string text;
    for (const auto& p : c.bus().getInstances(c.inv().args.front())) {
        if (!text.empty()) text += "\n";
        text += renderDefinition(p, c.bus().definition(p.objectPath));
    }
    c.out(text);
    return kExitOk;
}

// list-dependencies NAME [--reverse]: the tree of what NAME requires, wants and comes after (or, with
// --reverse, of what names NAME so), from one ListProcesses: the graph is built here, not asked for.
int runListDependencies(Context& c) {
    const std::string& name = c.inv().args.front();
    const DependencyGraph graph(c.bus().listProcesses());
    if (graph.instancesOf(name).empty()) {
        // An unknown name: the daemon words the error (with its suggestion), as for `status NAME`.
        c.bus().match({name});
        c.error("'" + name + "' is a pattern; list-dependencies takes one instance or service name");
        return kExitNoSuchProcess;
    }
    const TreeNode tree = dependencyTree(
        graph, name, c.inv().reverse ? TreeDirection::Dependents : TreeDirection::Dependencies);
    c.out(c.json() ? dumpLine(treeJson(tree))
                   : renderTree(tree, utf8Locale() ? kUtf8Glyphs : kAsciiGlyphs, c.colour()));
    return kExitOk;
}

// One PID per line, in the order of the instances; 0 (and exit 3) for one without a process.
int runPid(Context& c) {
    if (c.inv().args.empty()) {
        c.out(std::to_string(c.bus().daemonPid()) + "\n");
        return kExitOk;
    }
    std::string text;
    int rc = kExitOk;
    for (const auto& p : c.bus().getInstances(c.inv().args.front())) {
        text += std::to_string(p.pid) + "\n";
        if (p.pid == 0) rc = kExitNotRunning;
    }
    c.out(text);
    return rc;
}

}  // namespace sup::ctl
