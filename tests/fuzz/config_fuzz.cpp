// Configuration loading from YAML bytes, as `supervisord --check` does it: up to four files (NUL
// separates them) read and merged in order, then the preflight warnings, every issue formatted.
// Nothing but ConfigError may leave the loader; an accepted configuration's dependency graph is
// well-formed.
#include <map>
#include <string>
#include <vector>

#include "ConfigLoader.h"
#include "DependencyGraph.h"
#include "FuzzInput.h"
#include "Preflight.h"

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
        // An accepted configuration's graph only names its own services.
        const auto graph = dependencyGraph(config);
        for (const auto& [name, deps] : graph)
            for (const auto& other : deps.orderedAfter)
                if (other == name || !graph.contains(other)) sup::fuzz::fail();
        // ... and startOrder() lists each service once, after the services it waits for.
        const auto order = startOrder(config);
        if (order.size() != config.services.size()) sup::fuzz::fail();
        std::map<std::string, std::size_t> position;
        for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
        for (const auto& [name, deps] : graph)
            for (const auto& other : deps.orderedAfter)
                if (position.at(other) > position.at(name)) sup::fuzz::fail();
    } catch (const ConfigError& e) {
        if (e.issues().empty()) sup::fuzz::fail();
        for (const auto& issue : e.issues()) (void)formatIssue(issue);
    }
    return 0;
}
