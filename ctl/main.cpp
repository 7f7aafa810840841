// supctl: the command-line client of supervisord, over D-Bus, with systemctl's conventions.
#include <unistd.h>

#include <exception>
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>

#include "Suggest.h"
#include "ctl/Commands.h"
#include "ctl/ErrorReport.h"
#include "ctl/ExitCode.h"
#include "ctl/Help.h"
#include "ctl/Terminal.h"

using namespace sup::ctl;

namespace {

using Runner = int (*)(Context&);

const std::map<std::string, Runner>& runners() {
    static const std::map<std::string, Runner> table = {
        {"status", runStatus},
        {"is-active", runIsActive},
        {"is-failed", runIsFailed},
        {"show", runShow},
        {"cat", runCat},
        {"list-dependencies", runListDependencies},
        {"pid", runPid},
        {"start", runStart},
        {"stop", runStop},
        {"restart", runRestart},
        {"signal", runSignal},
        {"reload", runReload},
        {"shutdown", runShutdown},
        {"tail", runTail},
        {"limits", runLimits},
        {"doctor", runDoctor},
        {"version", runVersion},
    };
    return table;
}

void printErr(const std::string& text) {
    writeAll(STDERR_FILENO, "supctl: " + text + "\n");
}

// help, --help and --version need no bus. Returns -1 when the invocation is not one of them.
int answerLocally(const Invocation& inv) {
    if (inv.global.help || inv.command == "help") {
        const std::string topic =
            inv.command == "help" ? (inv.args.empty() ? "" : inv.args.front()) : inv.command;
        if (topic.empty()) {
            writeAll(STDOUT_FILENO, generalHelp());
            return kExitOk;
        }
        std::string text = commandHelp(topic);
        if (text.empty()) {
            printErr("unknown command '" + topic + "'" + sup::config::didYouMean(topic, knownCommands()));
            return kExitUsage;
        }
        writeAll(STDOUT_FILENO, text);
        return kExitOk;
    }
    if (inv.global.version) {
        writeAll(STDOUT_FILENO, std::string("supctl ") + clientVersion() + "\n");
        return kExitOk;
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    ignoreSigpipe();
    Invocation inv;
    try {
        inv = parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const ConflictingOptions& e) {
        printErr(e.what());
        return kExitFailure;  // systemctl's exit status for the same refusal
    } catch (const UsageError& e) {
        printErr(std::string(e.what()) + "\nTry 'supctl --help'.");
        return kExitUsage;
    }
    if (int rc = answerLocally(inv); rc >= 0) return rc;

    Context context(inv, colourWanted(STDOUT_FILENO));
    const BusTarget target = context.target();
    try {
        return runners().at(inv.command)(context);
    } catch (const ConnectError& e) {
        Failure f = connectFailure(e.name, e.what(), target);
        printErr(f.message);
        return exitCodeFor(inv.command, f);
    } catch (const sdbus::Error& e) {
        if (interrupted()) return kExitOk;  // Ctrl-C during a call is how `tail -f` ends
        Failure f = callFailure(e.getName(), e.getMessage(), target);
        printErr(f.message);
        return exitCodeFor(inv.command, f);
    } catch (const std::exception& e) {
        printErr(e.what());
        return kExitFailure;
    }
}
