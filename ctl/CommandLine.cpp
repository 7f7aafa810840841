#include "ctl/CommandLine.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "SignalNames.h"
#include "Suggest.h"

namespace sup::ctl {

namespace {

// Which command may take which command option (long spelling); global options are valid everywhere.
const std::map<std::string, std::set<std::string>>& commandOptions() {
    static const std::map<std::string, std::set<std::string>> table = {
        {"tail", {"--follow", "--lines", "--stderr"}},
        {"show", {"--property", "--value"}},
        {"signal", {"--signal"}},
        {"is-active", {"--quiet"}},
        {"is-failed", {"--quiet"}},
        {"list-dependencies", {"--reverse"}},
    };
    return table;
}

enum class Arity { None, One };

struct OptionSpec {
    std::string longName;
    char shortName;
    Arity arity;
};

const std::vector<OptionSpec>& optionSpecs() {
    static const std::vector<OptionSpec> specs = {
        {"--user", 0, Arity::None},      {"--system", 0, Arity::None},   {"--host", 'H', Arity::One},
        {"--json", 0, Arity::None},      {"--no-block", 0, Arity::None}, {"--timeout", 0, Arity::One},
        {"--help", 'h', Arity::None},    {"--version", 0, Arity::None},  {"--no-pager", 0, Arity::None},
        {"--follow", 'f', Arity::None},  {"--lines", 'n', Arity::One},   {"--stderr", 0, Arity::None},
        {"--property", 'p', Arity::One}, {"--value", 0, Arity::None},    {"--signal", 's', Arity::One},
        {"--quiet", 'q', Arity::None},   {"--reverse", 0, Arity::None},
    };
    return specs;
}

const OptionSpec* findLong(const std::string& name) {
    for (auto& s : optionSpecs())
        if (s.longName == name) return &s;
    return nullptr;
}

const OptionSpec* findShort(char c) {
    for (auto& s : optionSpecs())
        if (s.shortName == c) return &s;
    return nullptr;
}

unsigned parseLines(const std::string& text, bool& all) {
    if (text == "all") {
        all = true;
        return 0;
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw UsageError("invalid number of lines '" + text + "' (a number, or 'all')");
    all = false;
    return value;
}

void splitCommaList(const std::string& text, std::vector<std::string>& out) {
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        if (comma > start) out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
}

void apply(Invocation& inv, const OptionSpec& spec, const std::string& value) {
    auto& g = inv.global;
    const std::string& n = spec.longName;
    if (n == "--user")
        g.userScope = true;
    else if (n == "--system")
        g.userScope = false;
    else if (n == "--host") {
        if (value.empty()) throw UsageError("--host needs [USER@]HOST");
        g.host = value;
    } else if (n == "--json")
        g.json = true;
    else if (n == "--no-block")
        g.noBlock = true;
    else if (n == "--timeout")
        g.timeout = parseTimeout(value);
    else if (n == "--help")
        g.help = true;
    else if (n == "--version")
        g.version = true;
    else if (n == "--no-pager") {  // accepted for systemctl habits; supctl never pages
    } else if (n == "--follow")
        inv.follow = true;
    else if (n == "--lines")
        inv.lines = parseLines(value, inv.allLines);
    else if (n == "--stderr")
        inv.stderrStream = true;
    else if (n == "--property")
        splitCommaList(value, inv.properties);
    else if (n == "--value")
        inv.valueOnly = true;
    else if (n == "--quiet")
        inv.quiet = true;
    else if (n == "--reverse")
        inv.reverse = true;
    else if (n == "--signal") {
        if (value.empty()) throw UsageError("--signal needs a signal name or number");
        inv.signal = value;
    }
}

// Scope and machine are independent options, as in systemctl: `-H HOST --system` is HOST's system bus.
// The user instance of another machine is out of reach (ssh reaches its system bus only), so
// `-H HOST --user`, in either order, is refused rather than silently losing one of the two: that
// made `supctl -H prod --user stop all` stop the local user's processes.
void chooseBus(GlobalOptions& g) {
    if (!g.host.empty()) {
        if (g.userScope)
            throw ConflictingOptions("cannot access the user instance remotely: --user and -H/--host " +
                                     g.host + " do not combine (ssh reaches the system bus of " + g.host +
                                     " only)");
        g.bus = BusKind::Remote;
    } else {
        g.bus = g.userScope ? BusKind::Session : BusKind::System;
    }
}

// kill(1)'s spelling of the signal: "-9", "-KILL", "-SIGKILL", "-HUP" (never read as -H UP).
bool isKillStyleSignal(const std::string& arg) {
    if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') return false;
    try {
        config::parseSignal(std::string_view(arg).substr(1));
        return true;
    } catch (const std::invalid_argument&) {
        return false;
    }
}

// The signal is checked here, with the daemon's own parser, so a typo gets a suggestion.
void checkSignal(const std::string& text) {
    try {
        config::parseSignal(text);
    } catch (const std::invalid_argument& e) {
        std::string name = text;
        for (char& ch : name)
            if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
        throw UsageError("invalid signal '" + text + "': " + e.what() +
                         config::didYouMean(name, config::signalNames()));
    }
}

bool isGlobal(const std::string& longName) {
    for (auto& [cmd, opts] : commandOptions())
        if (opts.count(longName)) return false;
    return true;
}

void checkArgumentCount(const Invocation& inv) {
    const auto& c = inv.command;
    const auto n = inv.args.size();
    auto fail = [&](const std::string& what) { throw UsageError("'" + c + "' " + what); };
    if (c == "start" || c == "stop" || c == "restart" || c == "is-active" || c == "is-failed") {
        if (n == 0) fail("needs at least one PATTERN (a name, a glob like 'web@*', a group, or 'all')");
    } else if (c == "signal") {
        if (inv.signal.empty()) fail("needs a signal and at least one PATTERN, e.g. 'supctl signal HUP web'");
        if (n == 0) fail("needs at least one PATTERN after the signal");
        checkSignal(inv.signal);
    } else if (c == "tail" || c == "cat" || c == "list-dependencies") {
        if (n != 1) fail("needs exactly one NAME");
    } else if (c == "show" || c == "pid") {
        if (n > 1) fail("takes at most one NAME");
    } else if (c == "reload" || c == "shutdown" || c == "version" || c == "limits") {
        if (n != 0) fail("takes no arguments");
    } else if (c == "help") {
        if (n > 1) fail("takes at most one COMMAND");
    }
}

}  // namespace

const std::vector<std::string>& knownCommands() {
    static const std::vector<std::string> commands = {
        "status", "is-active", "is-failed", "show",   "cat",     "list-dependencies",
        "start",  "stop",      "restart",   "signal", "reload",  "shutdown",
        "tail",   "pid",       "limits",    "doctor", "version", "help"};
    return commands;
}

std::optional<std::chrono::milliseconds> parseTimeout(const std::string& text) {
    if (text == "infinity") return std::nullopt;
    std::size_t numberEnd = 0;
    while (numberEnd < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[numberEnd])) || text[numberEnd] == '.'))
        ++numberEnd;
    const std::string number = text.substr(0, numberEnd), unit = text.substr(numberEnd);
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size())
        throw UsageError("invalid timeout '" + text + "' (seconds, e.g. 30, 1.5, 500ms, 2min, infinity)");
    double ms = 0;
    if (unit.empty() || unit == "s")
        ms = value * 1000;
    else if (unit == "ms")
        ms = value;
    else if (unit == "min")
        ms = value * 60000;
    else
        throw UsageError("invalid timeout unit in '" + text + "' (use ms, s or min)");
    if (ms <= 0) return std::nullopt;  // systemd's convention: 0 means no limit
    if (ms > 1e12) throw UsageError("timeout '" + text + "' is too large");
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(ms)));
}

Invocation parseCommandLine(const std::vector<std::string>& argv) {
    Invocation inv;
    std::vector<std::string> positional;
    std::vector<std::string> commandOptionsSeen;
    bool optionsEnded = false;
    auto takeValue = [&](std::size_t& i, const std::string& opt) -> std::string {
        if (i + 1 >= argv.size()) throw UsageError("option " + opt + " needs a value");
        return argv[++i];
    };
    auto record = [&](const OptionSpec& spec, const std::string& value) {
        if (!isGlobal(spec.longName)) commandOptionsSeen.push_back(spec.longName);
        apply(inv, spec, value);
    };
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
            positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }
        // `signal -9 web`: where the signal of `signal` is due, a dash and a signal is that signal.
        if (positional.size() == 1 && positional.front() == "signal" && inv.signal.empty() &&
            isKillStyleSignal(arg)) {
            inv.signal = arg.substr(1);
            continue;
        }
        if (arg.rfind("--", 0) == 0) {
            auto eq = arg.find('=');
            std::string name = arg.substr(0, eq);
            const OptionSpec* spec = findLong(name);
            if (!spec) throw UsageError("unknown option " + name);
            if (spec->arity == Arity::None) {
                if (eq != std::string::npos) throw UsageError("option " + name + " takes no value");
                record(*spec, "");
            } else {
                record(*spec, eq != std::string::npos ? arg.substr(eq + 1) : takeValue(i, name));
            }
            continue;
        }
        // Short options, bundled like "-fn5" or "-f -n 5".
        for (std::size_t k = 1; k < arg.size(); ++k) {
            const OptionSpec* spec = findShort(arg[k]);
            if (!spec) throw UsageError("unknown option -" + std::string(1, arg[k]));
            if (spec->arity == Arity::None) {
                record(*spec, "");
                continue;
            }
            std::string rest = arg.substr(k + 1);
            record(*spec, !rest.empty() ? rest : takeValue(i, "-" + std::string(1, arg[k])));
            break;
        }
    }
    chooseBus(inv.global);
    if (!positional.empty()) {
        inv.command = positional.front();
        inv.args.assign(positional.begin() + 1, positional.end());
    }
    const auto& known = knownCommands();
    if (!inv.command.empty() && std::find(known.begin(), known.end(), inv.command) == known.end())
        throw UsageError("unknown command '" + inv.command + "'" + config::didYouMean(inv.command, known));
    if (inv.command.empty() && !inv.global.help && !inv.global.version) inv.command = "status";
    // `signal HUP web`: the first argument is the signal unless -s gave one.
    if (inv.command == "signal" && inv.signal.empty() && !inv.args.empty()) {
        inv.signal = inv.args.front();
        inv.args.erase(inv.args.begin());
    }
    for (auto& opt : commandOptionsSeen) {
        auto it = commandOptions().find(inv.command);
        if (it == commandOptions().end() || !it->second.count(opt))
            throw UsageError("option " + opt + " does not apply to '" +
                             (inv.command.empty() ? std::string("supctl") : inv.command) + "'");
    }
    if (!inv.global.help) checkArgumentCount(inv);
    return inv;
}

}  // namespace sup::ctl
