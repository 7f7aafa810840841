// One function per supctl command. Each returns the exit code; D-Bus errors escape as sdbus::Error
// and main() turns them into a message and an exit code (ErrorReport).
#pragma once

#include <memory>
#include <string>

#include "ctl/BusClient.h"
#include "ctl/CommandLine.h"

namespace sup::ctl {

// What a command runs with: the parsed command line, the bus (connected on first use, so
// `version` can print the client's version even when the daemon is unreachable) and output.
class Context {
  public:
    Context(const Invocation& inv, bool colour) : inv_(inv), colour_(colour) {}
    const Invocation& inv() const { return inv_; }
    bool colour() const { return colour_; }
    bool json() const { return inv_.global.json; }
    BusTarget target() const { return BusTarget{inv_.global.bus, inv_.global.host}; }
    BusClient& bus();

    void out(const std::string& text) const;    // stdout
    void error(const std::string& text) const;  // stderr, "supctl: " prefixed, newline added
    void note(const std::string& text) const;   // stderr as is (continuation lines)

  private:
    const Invocation& inv_;
    bool colour_;
    std::unique_ptr<BusClient> bus_;
};

int runStatus(Context& c);
int runIsActive(Context& c);
int runIsFailed(Context& c);
int runShow(Context& c);
int runCat(Context& c);
int runListDependencies(Context& c);
int runPid(Context& c);
int runStart(Context& c);
int runStop(Context& c);
int runRestart(Context& c);
int runSignal(Context& c);
int runReload(Context& c);
int runShutdown(Context& c);
int runTail(Context& c);
int runLimits(Context& c);
int runDoctor(Context& c);
int runVersion(Context& c);

// The version supctl was built as.
const char* clientVersion();

}  // namespace sup::ctl
