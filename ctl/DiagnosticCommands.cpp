// limits, doctor: why forks fail and what is wrong with a running process.
#include <set>

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

int runDoctor(Context& c) {
    BusClient& bus = c.bus();
    // The daemon checks live processes only: ask about the running ones among those named, and
    // say which named ones have no process. Without names it checks every running instance.
    std::vector<std::string> checked, notRunning;
    if (!c.inv().args.empty()) {
        auto names = bus.match(c.inv().args);
        std::set<std::string> named(names.begin(), names.end());
        for (const auto& p : bus.listProcesses())
            if (named.count(p.name)) (p.pid != 0 ? checked : notRunning).push_back(p.name);
        for (const auto& n : notRunning) c.error(n + " is not running; nothing to check");
        if (checked.empty()) return kExitNotRunning;
    }
    std::vector<DoctorFinding> findings = bus.doctor(checked);
    if (c.inv().args.empty())
        for (const auto& p : bus.listProcesses())
            if (p.pid != 0) checked.push_back(p.name);
    if (c.json()) {
        Json j = Json::object();
        j["checked"] = checked;
        j["not_running"] = notRunning;
        j["findings"] = findingsJson(findings);
        c.out(dumpLine(j));
    } else {
        c.out(renderFindings(findings, checked, c.colour()));
    }
    if (int rc = doctorExitCode(findings); rc != kExitOk) return rc;
    return notRunning.empty() ? kExitOk : kExitNotRunning;
}

}  // namespace sup::ctl
