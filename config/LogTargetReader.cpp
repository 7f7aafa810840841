#include "ServiceParts.h"
#include "Suggest.h"

namespace sup::config {

namespace {

std::optional<LogTarget> readFileTarget(const ReadContext& ctx, const Field& f) {
    MapFields fields(ctx, f.value, f.path, {"file", "max_size", "backups"});
    LogTarget target;
    target.kind = LogTarget::Kind::File;
    bool ok = true;
    if (const Field* file = fields.find("file")) {
        if (auto path = readString(ctx, *file); !path) {
            ok = false;
        } else if (path->empty() || path->find('\0') != std::string::npos) {
            ctx.error(file->value, file->path, "expected a file path");
            ok = false;
        } else {
            target.path = *path;  // a relative path is taken relative to supervisor.log_dir when opened
        }
    } else {
        ctx.error(f.value, joinPath(f.path, "file"),
                  "missing file (e.g. {file: /var/log/app.log, max_size: 10MiB})");
        ok = false;
    }
    if (const Field* size = fields.find("max_size")) {
        if (auto bytes = readSize(ctx, *size))
            target.maxSize = *bytes;
        else
            ok = false;
    }
    if (const Field* backups = fields.find("backups")) {
        if (auto n = readInteger(ctx, *backups, 0, 1000))
            target.backups = static_cast<unsigned>(*n);
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return target;
}

}  // namespace

std::optional<LogTarget> readLogTarget(const ReadContext& ctx, const Field& f, bool isStderr) {
    if (f.value.IsMap()) return readFileTarget(ctx, f);
    if (isWrittenNull(f)) {  // YAML reads a plain `null` as "no value"; here it is the word
        LogTarget target;
        target.kind = LogTarget::Kind::Null;
        return target;
    }
    std::vector<std::string> words = {"journal", "null", "memory", "daemon"};
    if (isStderr) words.push_back("stdout");
    if (f.value.IsScalar()) {
        const std::string& text = f.value.Scalar();
        static const std::pair<const char*, LogTarget::Kind> kWords[] = {
            {"journal", LogTarget::Kind::Journal},
            {"null", LogTarget::Kind::Null},
            {"memory", LogTarget::Kind::Memory},
            {"daemon", LogTarget::Kind::Daemon},
            {"stdout", LogTarget::Kind::Stdout}};
        for (auto [word, kind] : kWords) {
            if (text != word || (kind == LogTarget::Kind::Stdout && !isStderr)) continue;
            LogTarget target;
            target.kind = kind;
            return target;
        }
        if (text == "stdout") {
            ctx.error(f.value, f.path, "'stdout' is only for stderr (to merge it into stdout)");
            return std::nullopt;
        }
        if (text.find('/') != std::string::npos) {
            ctx.error(f.value, f.path, "to write to a file, use a map: {file: " + text + "}");
            return std::nullopt;
        }
    }
    std::string expected;
    for (const auto& w : words) expected += w + ", ";
    expected += "or {file: PATH, max_size: SIZE, backups: N}";
    std::string hint = f.value.IsScalar() ? didYouMean(f.value.Scalar(), words) : "";
    ctx.error(f.value.IsNull() ? f.key : f.value, f.path,
              "expected " + expected + ", got " + describe(f.value) + hint);
    return std::nullopt;
}

}  // namespace sup::config
