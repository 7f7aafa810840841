#include <filesystem>
#include <system_error>

#include "EnvironmentFile.h"
#include "ServiceParts.h"
#include "TextFile.h"

namespace sup::config {

namespace {

void readEnvironmentFile(const ReadContext& ctx, const Field& f, ServiceSpec& spec) {
    auto written = readString(ctx, f);
    if (!written) return;
    spec.environmentFile = *written;
    // systemd's convention: a leading '-' means "fine if it does not exist".
    const bool optional = !written->empty() && (*written)[0] == '-';
    std::string path = optional ? written->substr(1) : *written;
    if (path.empty()) {
        ctx.error(f.value, f.path, "expected a file path, got '" + *written + "'");
        return;
    }
    if (path[0] != '/') path = (std::filesystem::path(ctx.baseDir) / path).lexically_normal().string();

    std::string text;
    try {
        text = readTextFile(path);
    } catch (const std::system_error& e) {
        const auto code = e.code();
        const bool missing =
            code == std::errc::no_such_file_or_directory || code == std::errc::not_a_directory;
        if (optional && missing) return;
        ctx.error(
            f.value, f.path,
            std::string(e.what()) + (missing ? " (start the path with '-' to ignore a missing file)" : ""));
        return;
    }
    auto content = parseEnvironmentFile(text);
    const auto from = ctx.locate(f.value);
    for (const auto& p : content.problems)
        ctx.issues.add(
            {path, p.line, p.column}, f.path,
            p.message + " (environment file named at " + from.file + ":" + std::to_string(from.line) + ")");
    for (auto& [key, value] : content.variables) spec.environment[key] = value;
}

void readEnvironmentMap(const ReadContext& ctx, const Field& f, ServiceSpec& spec) {
    if (!expectMap(ctx, f)) return;
    MapFields vars(ctx, f.value, f.path);
    for (const auto& var : vars.all()) {
        if (var.name.empty() || var.name.find('=') != std::string::npos) {
            ctx.error(var.key, var.path, "a variable name must be non-empty and without '='");
            continue;
        }
        if (var.value.IsNull()) {
            ctx.error(var.key, var.path, "has no value (write \"\" for an empty string)");
            continue;
        }
        if (!var.value.IsScalar()) {
            ctx.error(var.value, var.path, "expected a string value, got " + describe(var.value));
            continue;
        }
        // As written: PORT: 8080 gives "8080", DEBUG: yes gives "yes".
        spec.environment[var.name] = var.value.Scalar();
    }
}

}  // namespace

void readEnvironment(const ReadContext& ctx, const Field* file, const Field* map, ServiceSpec& spec) {
    if (file) readEnvironmentFile(ctx, *file, spec);
    if (map) readEnvironmentMap(ctx, *map, spec);
}

}  // namespace sup::config
