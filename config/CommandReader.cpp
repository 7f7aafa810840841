#include <stdexcept>

#include "CommandLine.h"
#include "ServiceParts.h"

namespace sup::config {

std::optional<std::vector<std::string>> readCommand(const ReadContext& ctx, const Field& f) {
    std::vector<std::string> argv;
    if (f.value.IsScalar()) {
        try {
            argv = splitCommandLine(f.value.Scalar());
        } catch (const std::invalid_argument& e) {
            ctx.error(
                f.value, f.path,
                std::string(e.what()) + " (the string is split like a shell would, without shell features)");
            return std::nullopt;
        }
    } else if (f.value.IsSequence()) {
        auto items = listItems(ctx, f);
        if (!items) return std::nullopt;
        bool ok = true;
        for (const auto& item : *items) {
            if (!item.value.IsScalar()) {
                ctx.error(item.value, item.path, "expected a string argument, got " + describe(item.value));
                ok = false;
                continue;
            }
            argv.push_back(item.value.Scalar());
        }
        if (!ok) return std::nullopt;
    } else if (!f.value.IsNull()) {
        ctx.error(f.value, f.path,
                  "expected a list of arguments or a command string, got " + describe(f.value));
        return std::nullopt;
    }
    if (argv.empty()) {
        ctx.error(f.value.IsNull() ? f.key : f.value, f.path, "empty command");
        return std::nullopt;
    }
    if (argv[0].empty()) {
        ctx.error(f.value, f.path, "the program (first argument) is empty");
        return std::nullopt;
    }
    for (const auto& arg : argv) {
        if (arg.find('\0') != std::string::npos) {
            ctx.error(f.value, f.path, "an argument contains a NUL character");
            return std::nullopt;
        }
    }
    return argv;
}

}  // namespace sup::config
