// The environment_file parser on arbitrary bytes: problems are located inside the text, and every
// variable read has a non-empty name without '='.
#include <algorithm>

#include "EnvironmentFile.h"
#include "FuzzInput.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = sup::fuzz::asText(data, size);
    const auto content = sup::config::parseEnvironmentFile(text);
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& problem : content.problems)
        if (problem.line < 1 || problem.line > lines || problem.column < 1 || problem.message.empty())
            sup::fuzz::fail();
    for (const auto& [name, value] : content.variables)
        if (name.empty() || name.find('=') != std::string::npos) sup::fuzz::fail();
    return 0;
}
