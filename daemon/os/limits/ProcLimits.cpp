#include "os/limits/ProcLimits.h"

#include <sys/resource.h>
#include <unistd.h>

#include <string>

namespace sup::os::limits {
namespace {

std::optional<std::uint64_t> parseRlimitField(std::string_view s) {
    if (s == "unlimited") return kUnlimited;
    return parseU64(s);
}

// "Max processes             96364                96364                processes"
// The row name has spaces in it, so match it as a prefix and split the rest into words.
std::optional<RlimitValue> parseRow(std::string_view line, std::string_view name) {
    if (line.substr(0, name.size()) != name) return std::nullopt;
    std::string_view rest = line.substr(name.size());
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') return std::nullopt;  // a longer name
    std::string_view fields[2];
    std::size_t n = 0;
    std::size_t i = 0;
    while (n < 2 && i < rest.size()) {
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
        if (j > i) fields[n++] = rest.substr(i, j - i);
        i = j;
    }
    if (n < 2) return std::nullopt;
    auto soft = parseRlimitField(fields[0]);
    auto hard = parseRlimitField(fields[1]);
    if (!soft || !hard) return std::nullopt;
    return RlimitValue{*soft, *hard};
}

std::optional<RlimitValue> fromGetrlimit(int resource) {
    rlimit rl{};
    if (::getrlimit(resource, &rl) != 0) return std::nullopt;
    auto conv = [](rlim_t v) { return v == RLIM_INFINITY ? kUnlimited : static_cast<std::uint64_t>(v); };
    return RlimitValue{conv(rl.rlim_cur), conv(rl.rlim_max)};
}

}  // namespace

ProcessRlimits parseProcLimits(std::string_view text) {
    ProcessRlimits out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (auto v = parseRow(line, "Max processes")) out.nproc = v;
        if (auto v = parseRow(line, "Max open files")) out.nofile = v;
    }
    return out;
}

ProcessRlimits readProcessRlimits(const FsRoot& fs, pid_t pid) {
    ProcessRlimits out;
    if (auto text = fs.read("proc/" + std::to_string(pid) + "/limits")) out = parseProcLimits(*text);
    if (fs.isHostRoot() && pid == ::getpid()) {
        if (!out.nproc) out.nproc = fromGetrlimit(RLIMIT_NPROC);
        if (!out.nofile) out.nofile = fromGetrlimit(RLIMIT_NOFILE);
    }
    return out;
}

}  // namespace sup::os::limits
