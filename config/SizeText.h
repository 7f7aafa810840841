// Byte sizes as users write them: "10MiB", "512KiB", "1GiB", "10MB", "1.5GiB"; a bare number means bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sup::config {

// Throws std::invalid_argument with a message for the user when `text` is not a size.
// KiB/MiB/GiB/TiB are powers of 1024, kB/MB/GB/TB powers of 1000; K, M, G, T alone mean the 1024 ones
// (as in systemd). Units are case-insensitive; a fraction is rounded down to whole bytes.
std::uint64_t parseSize(std::string_view text);

// "10MiB", "512KiB", "1000B": the largest binary unit that divides the value exactly.
std::string formatSize(std::uint64_t bytes);

}  // namespace sup::config
