// supctl's command line: global options (accepted anywhere, as systemctl does), one command, its
// arguments and its own options. Pure: parsing never touches the bus or the terminal.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sup::ctl {

// A command line supctl cannot run; main prints it with a hint and exits with kExitUsage.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Bus options that contradict each other (`-H HOST --user`). systemctl refuses them with exit 1
// ("Cannot access user instance remotely."), never picking one silently; so does supctl.
struct ConflictingOptions : UsageError {
    using UsageError::UsageError;
};

enum class BusKind { System, Session, Remote };

struct GlobalOptions {
    // --user/--system choose the scope (the last one wins, as in systemctl) and -H/--host the machine;
    // the two combine into `bus` once the whole command line is read.
    BusKind bus = BusKind::System;
    bool userScope = false;  // --user
    std::string host;        // [USER@]HOST when bus == Remote
    bool json = false;
    bool noBlock = false;
    // How long start/stop/restart/shutdown wait for the outcome; nullopt = no limit.
    std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(30);
    bool help = false;
    bool version = false;
};

struct Invocation {
    GlobalOptions global;
    std::string command;            // "" with only --help or --version
    std::vector<std::string> args;  // positional arguments after the command
    // tail
    bool follow = false;
    unsigned lines = 10;
    bool allLines = false;  // -n all: everything the daemon keeps
    bool stderrStream = false;
    // show
    std::vector<std::string> properties;  // -p KEY[,KEY...]; empty = all
    bool valueOnly = false;               // --value
    // signal
    std::string signal;  // -s/--signal, or the first argument of `signal`
    // is-active, is-failed
    bool quiet = false;  // -q/--quiet: the exit code only
    // list-dependencies
    bool reverse = false;  // --reverse: what depends on NAME
};

// The commands supctl knows, in the order `--help` lists them.
const std::vector<std::string>& knownCommands();

// argv without the program name. Throws UsageError.
Invocation parseCommandLine(const std::vector<std::string>& argv);

// "30", "1.5", "500ms", "2s", "1min", "infinity" (0 and infinity = no limit). Throws UsageError.
std::optional<std::chrono::milliseconds> parseTimeout(const std::string& text);

}  // namespace sup::ctl
