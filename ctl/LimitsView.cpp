#include "ctl/LimitsView.h"

#include <cstdio>

#include "ctl/Table.h"

namespace sup::ctl {

bool overWarning(const LimitDimension& d, unsigned warnPercent) {
    return d.limit > 0 && d.percent >= static_cast<double>(warnPercent);
}

std::string formatPercent(double percent) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", percent);
    return buf;
}

std::string formatConsumers(const std::vector<LimitConsumer>& top) {
    std::string out;
    for (const auto& c : top) {
        if (!out.empty()) out += ", ";
        out += c.command + " " + std::to_string(c.count);
    }
    return out;
}

std::string renderLimits(const LimitsReading& reading, bool colour) {
    Table table({"LIMIT", "USED", "MAX", "USE%", "FLAG", "TOP"});
    table.alignRight(1);
    table.alignRight(2);
    table.alignRight(3);
    const LimitDimension* binding = nullptr;
    for (const auto& d : reading.dimensions) {
        const bool isBinding = !reading.bindingId.empty() && d.id == reading.bindingId;
        if (isBinding) binding = &d;
        Cell flag;
        if (isBinding)
            flag = Cell("BINDING", style::kBoldRed);
        else if (overWarning(d, reading.warnPercent))
            flag = Cell("WARN", style::kYellow);
        const bool unlimited = d.limit == 0;
        table.addRow({Cell(d.title.empty() ? d.id : d.title), Cell(std::to_string(d.used)),
                      Cell(unlimited ? "unlimited" : std::to_string(d.limit)),
                      Cell(unlimited ? "-" : formatPercent(d.percent), flag.sgr), flag,
                      Cell(formatConsumers(d.top))});
    }
    std::string out = table.render(colour);
    out += "\nWarning threshold: " + std::to_string(reading.warnPercent) + "%. ";
    out += binding
               ? "Binding: " +
                     paint(binding->title.empty() ? binding->id : binding->title, style::kBold, colour) + "."
               : std::string("No limit is near its maximum.");
    out += '\n';
    std::string notes;
    for (const auto& d : reading.dimensions) {
        const std::string& name = d.title.empty() ? d.id : d.title;
        if (d.hitCount > 0)
            notes += "  " + name + ": refused " + std::to_string(d.hitCount) + " fork" +
                     (d.hitCount == 1 ? "" : "s") + " so far\n";
        if (!d.note.empty()) notes += "  " + name + ": " + d.note + "\n";
    }
    if (!notes.empty()) out += "Notes:\n" + notes;
    return out;
}

}  // namespace sup::ctl
