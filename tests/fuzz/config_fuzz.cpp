// Configuration loading from YAML bytes, as `supervisord --check` does it: up to four files (NUL
// separates them) read and merged in order, then the preflight warnings, every issue formatted.
// Nothing but ConfigError may leave the loader; the supervisor's dependency index of an accepted
// configuration orders every instance after what it is ordered after.
#include <map>
#include <string>
#include <vector>

#include "ConfigLoader.h"
#include "FuzzInput.h"
#include "Preflight.h"
#include "core/DependencyIndex.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sup::config;
    std::vector<TextFileContent> files;
    for (auto& text : sup::fuzz::splitParts(sup::fuzz::asText(data, size), 4))
        files.push_back(
            {"/nonexistent/supervisord/" + std::to_string(files.size()) + ".yaml", std::move(text)});
    try {
        const sup::Config config = loadStrings(files);
        for (const auto& issue : preflight(config)) (void)formatIssue(issue);
        for (const auto& service : config.services)
            if (service.numprocs == 0 || service.instanceNames().size() != service.numprocs)
                sup::fuzz::fail();
        // The loader refused cycles, so the start order of all instances is complete and follows the edges.
        sup::DependencyIndex index;
        index.rebuild(config.services);
        std::vector<std::string> instances;
        for (const auto& service : config.services)
            for (auto& name : service.instanceNames()) instances.push_back(std::move(name));
        const auto order = index.startOrder(instances);
        if (order.size() != instances.size()) sup::fuzz::fail();
        std::map<std::string, std::size_t> position;
        for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
        if (position.size() != instances.size()) sup::fuzz::fail();
        for (const auto& name : instances)
            for (const auto& before : index.orderedAfter(name))
                if (!position.contains(before) || position.at(before) > position.at(name)) sup::fuzz::fail();
    } catch (const ConfigError& e) {
        if (e.issues().empty()) sup::fuzz::fail();
        for (const auto& issue : e.issues()) (void)formatIssue(issue);
    }
    return 0;
}
