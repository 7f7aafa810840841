#include "SignalNames.h"

#include <csignal>
#include <stdexcept>
#include <tuple>

namespace sup::config {

namespace {

struct NamedSignal {
    const char* name;
    int number;
};

// The first entry for a number is its canonical name; later ones are accepted aliases.
constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},       {"IOT", SIGABRT},  {"CLD", SIGCHLD},    {"POLL", SIGIO},
};

constexpr const char* kExpected = "expected a signal name like TERM, SIGINT, HUP or a number";

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// A whole string of decimal digits, or -1.
int smallNumber(std::string_view text) {
    if (text.empty() || text.size() > 4) return -1;
    int n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

int checkedNumber(int n) {
    if (n < 1 || n > SIGRTMAX)
        throw std::invalid_argument("no signal number " + std::to_string(n) + " (1.." +
                                    std::to_string(SIGRTMAX) + ")");
    return n;
}

}  // namespace

int parseSignal(std::string_view text) {
    if (int n = smallNumber(text); n >= 0) return checkedNumber(n);
    std::string name = upper(text);
    if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
    for (const auto& s : kSignals)
        if (name == s.name) return s.number;
    // Real-time signals: RTMIN, RTMIN+n, RTMAX, RTMAX-n.
    for (auto [prefix, base, sign] : {std::tuple{"RTMIN", SIGRTMIN, 1}, std::tuple{"RTMAX", SIGRTMAX, -1}}) {
        std::string_view p(prefix);
        if (name.rfind(p, 0) != 0) continue;
        std::string_view rest = std::string_view(name).substr(p.size());
        if (rest.empty()) return base;
        if (rest[0] != (sign > 0 ? '+' : '-')) break;
        int n = smallNumber(rest.substr(1));
        if (n < 0) break;
        int sig = base + sign * n;
        if (sig < SIGRTMIN || sig > SIGRTMAX) throw std::invalid_argument("no signal " + upper(text));
        return sig;
    }
    throw std::invalid_argument(kExpected);
}

std::vector<std::string> signalNames() {
    std::vector<std::string> names;
    for (const auto& s : kSignals)
        if (standardSignalName(s.number) == s.name) names.push_back(s.name);
    return names;
}

std::optional<std::string> standardSignalName(int sig) {
    for (const auto& s : kSignals)
        if (s.number == sig) return std::string(s.name);
    return std::nullopt;
}

}  // namespace sup::config
