// Reading a whole (small) configuration file into memory.
#pragma once

#include <string>

namespace sup::config {

// Throws std::system_error (code = errno, what() names the path) when the file cannot be opened or read,
// is a directory or another non-regular file (EINVAL), or is larger than `maxBytes` (EFBIG): a config file is
// never that big, so it is a mistake.
std::string readTextFile(const std::string& path, std::size_t maxBytes = 16u << 20);

}  // namespace sup::config
