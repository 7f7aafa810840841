#include "ctl/DoctorView.h"

#include <algorithm>

#include "ctl/ExitCode.h"
#include "ctl/Table.h"

namespace sup::ctl {

std::string renderFindings(const std::vector<DoctorFinding>& findings,
                           const std::vector<std::string>& checked, bool colour) {
    // Instances in the order asked, then any the daemon reported that were not asked about.
    std::vector<std::string> order = checked;
    for (const auto& f : findings)
        if (std::find(order.begin(), order.end(), f.name) == order.end()) order.push_back(f.name);
    std::string out;
    for (const auto& name : order) {
        bool any = false;
        for (const auto& f : findings) {
            if (f.name != name) continue;
            if (!any) out += paint(name, style::kBold, colour) + ":\n";
            any = true;
            const bool error = f.severity == "error";
            out += "  " + paint(f.severity, error ? style::kBoldRed : style::kYellow, colour) + ": " +
                   f.what + "\n";
            if (!f.fix.empty()) out += "    fix: " + f.fix + "\n";
        }
        if (!any) out += paint(name, style::kBold, colour) + ": " + paint("ok", style::kGreen, colour) + "\n";
    }
    if (order.empty()) out += "No running process to check.\n";
    return out;
}

int doctorExitCode(const std::vector<DoctorFinding>& findings) {
    for (const auto& f : findings)
        if (f.severity == "warning" || f.severity == "error") return kExitFailure;
    return kExitOk;
}

}  // namespace sup::ctl
