#include "core/ConfigDiff.h"

#include <map>

namespace sup {

std::vector<InstanceRef> instancesOf(const std::vector<ServiceSpec>& services) {
    std::vector<InstanceRef> out;
    for (const auto& spec : services) {
        auto names = spec.instanceNames();
        for (unsigned i = 0; i < names.size(); ++i) out.push_back({names[i], &spec, i});
    }
    return out;
}

ConfigDiff diffInstances(const std::vector<ServiceSpec>& running, const std::vector<ServiceSpec>& wanted) {
    std::map<std::string, InstanceRef> old;
    for (auto& ref : instancesOf(running)) old.emplace(ref.name, ref);

    ConfigDiff diff;
    for (auto& ref : instancesOf(wanted)) {
        auto it = old.find(ref.name);
        if (it == old.end()) {
            diff.added.push_back(ref);
            continue;
        }
        // numprocs decides which instances exist, not how one runs: scaling keeps the survivors.
        if (it->second.spec->sameExec(*ref.spec))
            diff.unchanged.push_back(ref);
        else
            diff.changed.push_back(ref);
        old.erase(it);
    }
    for (auto& [name, ref] : old) diff.removed.push_back(name);
    return diff;
}

}  // namespace sup
