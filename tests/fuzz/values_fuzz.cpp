// The scalar parsers of the configuration: duration, size, signal and command string. The first byte
// picks one, the rest is its text. A parser either throws std::invalid_argument or returns a value
// that its formatter writes back to the same value.
#include <csignal>
#include <stdexcept>

#include "CommandLine.h"
#include "DurationText.h"
#include "FuzzInput.h"
#include "SignalNames.h"
#include "SizeText.h"

namespace {

using namespace sup::config;
using sup::fuzz::fail;

void checkDuration(std::string_view text) {
    const auto value = parseDuration(text);
    if (value.count() < 0 || value > sup::kMaxDuration) fail();
    if (parseDuration(formatDuration(value)) != value) fail();
}

void checkSize(std::string_view text) {
    const auto value = parseSize(text);
    if (parseSize(formatSize(value)) != value) fail();
}

void checkSignal(std::string_view text) {
    const int sig = parseSignal(text);
    if (sig < 1 || sig > SIGRTMAX) fail();
    if (auto name = standardSignalName(sig); name && parseSignal(*name) != sig) fail();
}

void checkCommand(std::string_view text) {
    // Re-quoting every word in '...' (with ' written as '\'') must give the same words back.
    const auto words = splitCommandLine(text);
    std::string quoted;
    for (const auto& word : words) {
        quoted += " '";
        for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        quoted += "'";
    }
    if (splitCommandLine(quoted) != words) fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text = sup::fuzz::asText(data + 1, size - 1);
    try {
        switch (data[0] % 4) {
            case 0:
                checkDuration(text);
                break;
            case 1:
                checkSize(text);
                break;
            case 2:
                checkSignal(text);
                break;
            default:
                checkCommand(text);
                break;
        }
    } catch (const std::invalid_argument&) {
        // the user's mistake, reported as such
    }
    return 0;
}
