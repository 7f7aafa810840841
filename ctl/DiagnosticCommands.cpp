// limits, doctor: why forks fail and what is wrong with a running process.
#include <set>

#include <sdbus-c++/Error.h>

#include "ctl/Commands.h"
#include "ctl/DoctorView.h"
#include "ctl/ExitCode.h"
#include "ctl/JsonOutput.h"
#include "ctl/LimitsView.h"

namespace sup::ctl {

int runLimits(Context& c) {
    LimitsReading reading = c.bus().limits();
    c.out(c.json() ? dumpLine(limitsJson(reading)) : renderLimits(reading, c.colour()));
    return kExitOk;
}

namespace {

struct DoctorRun {
    std::vector<std::string> checked, notRunning;
    std::vector<DoctorFinding> findings;
};

// The daemon checks live processes, and says what it knows of one that is not running (what its
// last exit left behind). Ask about every named instance; those with no process and nothing to say
// are reported as not running. Without names it checks every running instance.
DoctorRun askDoctor(BusClient& bus, const std::vector<std::string>& patterns) {
    DoctorRun run;
    if (patterns.empty()) {
        run.findings = bus.doctor({});
        for (const auto& p : bus.listProcesses())
            if (p.pid != 0) run.checked.push_back(p.name);
        return run;
    }
    auto names = bus.match(patterns);
    std::set<std::string> named(names.begin(), names.end());
    std::vector<std::string> asked, idle;
    for (const auto& p : bus.listProcesses()) {
        if (!named.count(p.name)) continue;
        asked.push_back(p.name);
        (p.pid != 0 ? run.checked : idle).push_back(p.name);
    }
    if (asked.empty()) return run;
    try {
        run.findings = bus.doctor(asked);  // an empty list would mean all
    } catch (const sdbus::Error& e) {
        // One instance with no process and nothing to say about it.
        if (e.getName() != bus_errors::kNotRunning || asked.size() != 1) throw;
    }
    std::set<std::string> spoke;
    for (const auto& f : run.findings) spoke.insert(f.name);
    for (const auto& n : idle) (spoke.count(n) ? run.checked : run.notRunning).push_back(n);
    return run;
}

}  // namespace

int runDoctor(Context& c) {
    DoctorRun run;
    // With --json, stdout is JSON whatever happens: a failure is reported in "error" as well, and
    // then goes on to main, which prints it on stderr and picks the exit code.
    try {
        run = askDoctor(c.bus(), c.inv().args);
    } catch (const ConnectError& e) {
        if (c.json())
            c.out(dumpLine(doctorJson({}, {}, {}, connectFailure(e.name, e.what(), c.target()).message)));
        throw;
    } catch (const sdbus::Error& e) {
        if (c.json())
            c.out(dumpLine(
                doctorJson({}, {}, {}, callFailure(e.getName(), e.getMessage(), c.target()).message)));
        throw;
    }
    for (const auto& n : run.notRunning) c.error(n + " is not running; nothing to check");
    if (c.json())
        c.out(dumpLine(doctorJson(run.checked, run.notRunning, run.findings, "")));
    else if (!run.checked.empty() || run.notRunning.empty())
        c.out(renderFindings(run.findings, run.checked, c.colour()));
    if (int rc = doctorExitCode(run.findings); rc != kExitOk) return rc;
    return run.notRunning.empty() ? kExitOk : kExitNotRunning;
}

}  // namespace sup::ctl
