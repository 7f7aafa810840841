// What a reload must do: compare the instances of the running config with those of the new one.
#pragma once

#include <string>
#include <vector>

#include "ServiceSpec.h"

namespace sup {

struct InstanceRef {
    std::string name;  // "web" or "web@1"
    SharedSpec spec;   // the service's spec, shared with the config passed in
    unsigned index = 0;
};

// Index 0 of a service whose numprocs went from 1 to more ("web" -> "web@0") or back: the same
// process under its new name. It is also listed, by its new name, in `changed` or `unchanged`.
struct InstanceRename {
    std::string from;
    std::string to;
};

struct ConfigDiff {
    std::vector<InstanceRef> added;       // start (if autostart)
    std::vector<std::string> removed;     // stop, then forget
    std::vector<InstanceRef> changed;     // what the exec depends on differs: stop, then start the new spec
    std::vector<InstanceRef> unchanged;   // keeps its process; the new spec is applied in place
    std::vector<InstanceRename> renamed;  // applied first, before the lists above (which use new names)
    bool empty() const { return added.empty() && removed.empty() && changed.empty() && renamed.empty(); }
};

// Every instance of `services`, in the order given.
std::vector<InstanceRef> instancesOf(const std::vector<SharedSpec>& services);

ConfigDiff diffInstances(const std::vector<SharedSpec>& running, const std::vector<SharedSpec>& wanted);

// The loader's specs, moved into shared ones.
std::vector<SharedSpec> shareSpecs(std::vector<ServiceSpec> services);

}  // namespace sup
