#include "core/ConfigDiff.h"

#include <map>

namespace sup {

std::vector<InstanceRef> instancesOf(const std::vector<SharedSpec>& services) {
    std::vector<InstanceRef> out;
    for (const auto& spec : services) {
        auto names = spec->instanceNames();
        for (unsigned i = 0; i < names.size(); ++i) out.push_back({std::move(names[i]), spec, i});
    }
    return out;
}

std::vector<SharedSpec> shareSpecs(std::vector<ServiceSpec> services) {
    std::vector<SharedSpec> out;
    out.reserve(services.size());
    for (auto& spec : services) out.push_back(std::make_shared<const ServiceSpec>(std::move(spec)));
    return out;
}

ConfigDiff diffInstances(const std::vector<SharedSpec>& running, const std::vector<SharedSpec>& wanted) {
    std::map<std::string, InstanceRef> old;
    for (auto& ref : instancesOf(running)) old.emplace(ref.name, ref);
    std::map<std::string, const ServiceSpec*> oldServices;
    for (const auto& spec : running) oldServices.emplace(spec->name, spec.get());

    ConfigDiff diff;
    for (auto& ref : instancesOf(wanted)) {
        auto it = old.find(ref.name);
        if (it == old.end() && ref.index == 0) {
            // numprocs crossed 1: index 0 keeps its process under its new name ("web" <-> "web@0").
            auto service = oldServices.find(ref.spec->name);
            if (service != oldServices.end() &&
                (service->second->numprocs == 1) != (ref.spec->numprocs == 1)) {
                const std::string from = service->second->instanceNames().front();
                it = old.find(from);
                if (it != old.end()) diff.renamed.push_back({from, ref.name});
            }
        }
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
