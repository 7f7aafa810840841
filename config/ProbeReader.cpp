// `ready:` and `health:`: the checks the daemon runs against an instance.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <regex>

#include "DependencyGraph.h"
#include "DurationText.h"
#include "ServiceParts.h"
#include "Suggest.h"

namespace sup::config {

namespace {

const std::vector<std::string> kCheckKinds = {"tcp", "http", "exec", "log_line"};

// Why `text` is not "HOST:PORT" with HOST an IP literal or localhost, or nullopt. No host names: a
// probe resolves nothing, since a DNS lookup would block the event loop.
std::optional<std::string> tcpAddressProblem(const std::string& text) {
    const std::string rule =
        "expected HOST:PORT with HOST an IP address (127.0.0.1, [::1]) or localhost and PORT from 1 to 65535";
    std::string host, port;
    if (text.starts_with("[")) {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return rule;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        in6_addr v6{};
        if (inet_pton(AF_INET6, host.c_str(), &v6) != 1)
            return rule + " ('" + host + "' is not an IPv6 address)";
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return rule + " (no port)";
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        in_addr v4{};
        if (host.find(':') != std::string::npos)
            return rule + " (write an IPv6 address in brackets: [" + host + "]:PORT)";
        if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &v4) != 1)
            return rule + " (host names other than localhost are not looked up: no DNS in the daemon's loop)";
    }
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value < 1 || value > 65535)
        return rule + " (bad port '" + port + "')";
    return std::nullopt;
}

std::optional<std::string> urlProblem(const std::string& text) {
    std::string_view rest(text);
    if (rest.starts_with("http://"))
        rest.remove_prefix(7);
    else if (rest.starts_with("https://"))
        rest.remove_prefix(8);
    else
        return "expected an http:// or https:// URL (e.g. http://127.0.0.1:8080/health)";
    if (rest.empty() || rest.front() == '/' || rest.front() == ':') return "the URL has no host";
    for (char c : text)
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return "the URL contains a space or a control character (percent-encode it)";
    return std::nullopt;
}

// libstdc++'s std::regex reads a back-reference number (\12) or a repetition count (a{3,12}) into a long
// without checking for overflow: `\44444444444444444444` is undefined behaviour inside the library (the
// config fuzzer found it under UBSan). Such numbers are refused before std::regex sees them: 9 digits
// (999,999,999) is far beyond any group count or repetition a pattern of 1 KiB can use. Returns the
// offending number, if any.
std::optional<std::string_view> oversizedRegexNumber(std::string_view pattern) {
    constexpr std::size_t kMaxDigits = 9;
    auto digitsAt = [&](std::size_t i) {
        std::size_t end = i;
        while (end < pattern.size() && pattern[end] >= '0' && pattern[end] <= '9') ++end;
        return end - i;
    };
    bool inBracket = false, inBraces = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            const std::size_t n = digitsAt(i + 1);
            if (n > kMaxDigits) return pattern.substr(i, n + 1);
            i += n > 0 ? n : 1;  // the escaped character is no bracket or brace
        } else if (inBracket) {
            inBracket = c != ']';
        } else if (c == '[') {
            inBracket = true;
        } else if (c == '{' || c == '}') {
            inBraces = c == '{';
        } else if (inBraces && c >= '0' && c <= '9') {
            const std::size_t n = digitsAt(i);
            if (n > kMaxDigits) return pattern.substr(i, n);
            i += n - 1;
        }
    }
    return std::nullopt;
}

// The pattern of a log_line check: bounded (std::regex matches recursively, so a huge pattern could
// exhaust the stack) and compiled once here so that a typo is a config error, not a silent never-ready.
std::optional<std::string> readPattern(const ReadContext& ctx, const Field& f) {
    auto text = readString(ctx, f);
    if (!text) return std::nullopt;
    if (text->empty()) {
        ctx.error(f.value, f.path,
                  "expected a regular expression, got an empty string (it would match any line)");
        return std::nullopt;
    }
    if (text->size() > kMaxLogLinePatternBytes) {
        ctx.error(f.value, f.path,
                  "the regular expression is " + std::to_string(text->size()) + " bytes; at most " +
                      std::to_string(kMaxLogLinePatternBytes) + " are accepted");
        return std::nullopt;
    }
    if (auto number = oversizedRegexNumber(*text)) {
        ctx.error(f.value, f.path,
                  "the regular expression has a back-reference or repetition count that is too large (" +
                      std::string(number->substr(0, 20)) + (number->size() > 20 ? "..." : "") +
                      "); at most 9 digits");
        return std::nullopt;
    }
    try {
        std::regex compiled(*text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        ctx.error(f.value, f.path,
                  "invalid regular expression '" + *text + "' (ECMAScript syntax): " + e.what());
        return std::nullopt;
    }
    return text;
}

// A map with exactly one of tcp/http/exec/log_line, plus its options.
std::optional<ProbeSpec> readCheckMap(const ReadContext& ctx, const Field& f, bool isHealth) {
    std::vector<std::string> known = {"tcp", "http", "status", "exec", "log_line", "interval", "timeout"};
    if (isHealth) known.push_back("failures");
    MapFields fields(ctx, f.value, f.path, known);
    ProbeSpec probe;
    probe.where = ctx.locate(f.key);
    if (isHealth) {
        probe.interval = Duration{10000};
        probe.timeout = Duration{2000};
    }
    const Field* check = nullptr;
    bool ok = true;
    for (const auto& field : fields.all()) {
        if (std::find(kCheckKinds.begin(), kCheckKinds.end(), field.name) == kCheckKinds.end()) continue;
        if (check) {
            ctx.error(
                field.key, field.path,
                "a check has exactly one of tcp, http, exec, log_line; '" + check->name + "' is already set");
            ok = false;
            continue;
        }
        check = &field;
    }
    const std::string example =
        isHealth ? "{http: \"http://127.0.0.1:8080/health\"}" : "{tcp: \"127.0.0.1:6379\"}";
    if (!check) {
        if (ok)
            ctx.error(f.key, f.path,
                      "missing the check: one of tcp, http, exec" +
                          std::string(isHealth ? "" : ", log_line") + " (e.g. " + f.name + ": " + example +
                          ")");
        return std::nullopt;
    }
    if (check->name == "tcp") {
        probe.kind = ProbeKind::Tcp;
        if (auto text = readString(ctx, *check)) {
            if (auto why = tcpAddressProblem(*text)) {
                ctx.error(check->value, check->path, *why + ", got '" + *text + "'");
                ok = false;
            } else {
                probe.address = *text;
            }
        } else {
            ok = false;
        }
    } else if (check->name == "http") {
        probe.kind = ProbeKind::Http;
        if (auto text = readString(ctx, *check)) {
            if (auto why = urlProblem(*text)) {
                ctx.error(check->value, check->path, *why + ", got '" + *text + "'");
                ok = false;
            } else {
                probe.url = *text;
            }
        } else {
            ok = false;
        }
    } else if (check->name == "exec") {
        probe.kind = ProbeKind::Exec;
        if (auto argv = readCommand(ctx, *check))
            probe.argv = std::move(*argv);
        else
            ok = false;
    } else {
        probe.kind = ProbeKind::LogLine;
        if (isHealth) {
            ctx.error(
                check->key, check->path,
                "log_line is a readiness check only (use it under ready:); health accepts tcp, http, exec");
            ok = false;
        } else if (auto pattern = readPattern(ctx, *check)) {
            probe.pattern = std::move(*pattern);
        } else {
            ok = false;
        }
    }
    if (const Field* status = fields.find("status")) {
        if (probe.kind != ProbeKind::Http) {
            ctx.error(status->key, status->path, "status is only for an http check");
            ok = false;
        } else if (auto code = readInteger(ctx, *status, 100, 599)) {
            probe.httpStatus = static_cast<int>(*code);
        } else {
            ok = false;
        }
    }
    auto duration = [&](const char* key, Duration& target) {
        const Field* field = fields.find(key);
        if (!field) return;
        if (probe.kind == ProbeKind::LogLine) {
            ctx.error(
                field->key, field->path,
                std::string(key) + " does not apply to log_line (each output line is checked as it comes)");
            ok = false;
            return;
        }
        auto d = readDuration(ctx, *field);
        if (d && d->count() == 0) {
            ctx.error(field->value, field->path,
                      std::string("must be more than 0, got '") + field->value.Scalar() + "'");
            ok = false;
        } else if (d) {
            target = *d;
        } else {
            ok = false;
        }
    };
    duration("interval", probe.interval);
    duration("timeout", probe.timeout);
    if (const Field* failures = fields.find("failures")) {
        if (auto n = readInteger(ctx, *failures, 1, 1000))
            probe.failures = static_cast<unsigned>(*n);
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return probe;
}

}  // namespace

std::optional<ProbeSpec> readReady(const ReadContext& ctx, const Field& f) {
    if (f.value.IsMap()) return readCheckMap(ctx, f, false);
    if (f.value.IsScalar()) {
        const std::string& word = f.value.Scalar();
        ProbeSpec probe;
        probe.where = ctx.locate(f.key);
        if (word == "started") return probe;
        if (word == "notify") {
            probe.kind = ProbeKind::Notify;
            return probe;
        }
        if (std::find(kCheckKinds.begin(), kCheckKinds.end(), word) != kCheckKinds.end()) {
            ctx.error(f.value, f.path, "a " + word + " check is a map: {" + word + ": ...}");
            return std::nullopt;
        }
    }
    std::string hint = f.value.IsScalar() ? didYouMean(f.value.Scalar(), {"started", "notify"}) : "";
    ctx.error(f.value.IsNull() ? f.key : f.value, f.path,
              "expected started, notify, or a map with one of tcp, http, exec, log_line (e.g. ready: {tcp: "
              "\"127.0.0.1:6379\"}), got " +
                  describe(f.value) + hint);
    return std::nullopt;
}

std::optional<ProbeSpec> readHealth(const ReadContext& ctx, const Field& f) {
    if (f.value.IsMap()) return readCheckMap(ctx, f, true);
    ctx.error(
        f.value.IsNull() ? f.key : f.value, f.path,
        "expected a map with one of tcp, http, exec (e.g. health: {http: \"http://127.0.0.1:8080/health\", "
        "interval: 10s}), got " +
            describe(f.value));
    return std::nullopt;
}

std::optional<std::vector<DependencyRef>> readDependencyList(const ReadContext& ctx, const Field& f) {
    if (f.value.IsNull()) return std::vector<DependencyRef>{};  // `requires:` with every item commented out
    auto items = listItems(ctx, f, true);
    if (!items) return std::nullopt;
    std::vector<DependencyRef> refs;
    bool ok = true;
    for (const auto& item : *items) {
        if (!item.value.IsScalar()) {
            ctx.error(item.value.IsNull() ? item.key : item.value, item.path,
                      "expected a service name (db) or an instance name (db@0), got " + describe(item.value));
            ok = false;
            continue;
        }
        const std::string& name = item.value.Scalar();
        if (auto why = dependencyNameProblem(name)) {
            ctx.error(item.value, item.path, "invalid name '" + name + "': " + *why);
            ok = false;
            continue;
        }
        refs.push_back({name, ctx.locate(item.value)});
    }
    if (!ok) return std::nullopt;
    return refs;
}

}  // namespace sup::config
