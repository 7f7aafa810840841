// Entry points: read the configuration the user wrote, validate all of it, apply defaults.
#pragma once

#include <string>
#include <vector>

#include "ConfigError.h"
#include "ServiceSpec.h"

namespace sup::config {

// `path` is a YAML file, or a directory whose *.yaml and *.yml files (not hidden ones) are read in name
// order. Throws ConfigError listing every problem found, including a missing or unreadable path.
Config load(const std::string& path);

// The same for YAML held in memory; `fileLabel` stands for the file name in locations and in
// Config::files, and its directory anchors relative environment_file paths.
Config loadString(const std::string& yaml, const std::string& fileLabel);

// Several files held in memory, read and merged in this order as load() does a directory's.
struct TextFileContent {
    std::string label;
    std::string text;
};
Config loadStrings(const std::vector<TextFileContent>& files);

// The files load(path) would read, in order. Problems (missing path, unreadable directory) go to the
// returned issues instead of being thrown.
struct ConfigFileList {
    std::vector<std::string> files;
    std::vector<ConfigIssue> issues;
};
ConfigFileList listConfigFiles(const std::string& path);

}  // namespace sup::config
