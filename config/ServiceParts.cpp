// The small service readers: backoff and umask.
#include "ServiceParts.h"

#include "DurationText.h"

namespace sup::config {

std::optional<BackoffSpec> readBackoff(const ReadContext& ctx, const Field& f) {
    if (!expectMap(ctx, f)) return std::nullopt;
    MapFields fields(ctx, f.value, f.path, {"initial", "max", "reset_after"});
    BackoffSpec backoff;
    bool ok = true;
    auto duration = [&](const char* key, Duration& target) {
        if (const Field* field = fields.find(key)) {
            if (auto d = readDuration(ctx, *field))
                target = *d;
            else
                ok = false;
        }
    };
    duration("initial", backoff.initial);
    duration("max", backoff.max);
    duration("reset_after", backoff.resetAfter);
    if (!ok) return std::nullopt;
    if (backoff.initial > backoff.max) {
        const Field* at = fields.find("initial") ? fields.find("initial") : fields.find("max");
        ctx.error(at->value, at->path,
                  "backoff.initial (" + formatDuration(backoff.initial) + ") is larger than backoff.max (" +
                      formatDuration(backoff.max) + ")");
        return std::nullopt;
    }
    return backoff;
}

std::optional<mode_t> readUmask(const ReadContext& ctx, const Field& f) {
    auto text = readString(ctx, f);
    if (!text) return std::nullopt;
    std::string_view digits(*text);
    if (digits.starts_with("0o") || digits.starts_with("0O")) digits.remove_prefix(2);
    mode_t mask = 0;
    bool ok = !digits.empty() && digits.size() <= 4;
    for (char c : digits) {
        if (c < '0' || c > '7') ok = false;
        if (ok) mask = static_cast<mode_t>(mask * 8 + static_cast<mode_t>(c - '0'));
    }
    if (!ok || mask > 0777) {
        ctx.error(f.value, f.path, "expected an octal umask like 022 or 0027, got '" + *text + "'");
        return std::nullopt;
    }
    return mask;
}

}  // namespace sup::config
