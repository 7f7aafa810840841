// `supctl show`: every property as KEY=VALUE lines, like `systemctl show`, or one JSON object. The keys
// are the D-Bus property names of io.supervisord.Process1 (and Manager1 for the daemon itself), with
// three exceptions kept for systemd's meaning of the words: `Group` is the Unix group (D-Bus
// UnixGroup), `Service` is the service an instance belongs to (D-Bus Group), and `Restart` is the
// restart policy (D-Bus RestartPolicy, as Restart is the method).
#pragma once

#include <string>
#include <vector>

#include "ctl/JsonOutput.h"
#include "ctl/Model.h"

namespace sup::ctl {

// One property: how `show` prints it (systemd's text forms: yes/no, "1min 30s") and its typed
// JSON value (numbers, booleans, arrays of strings; durations in µs).
struct Property {
    std::string name;
    std::string text;
    Json value;
};
using PropertyList = std::vector<Property>;

// Timestamps appear twice: formatted (StartedAt=) and as raw CLOCK_REALTIME µs (StartedAtUSec=).
PropertyList processProperties(const ProcessRecord& p, const ServiceDefinition& d);
PropertyList daemonProperties(const DaemonInfo& d);

// KEY=VALUE lines (or just the values) of the properties named in `only`, in the order asked for
// (names that match nothing are skipped, as systemctl does); every property when `only` is empty.
std::string renderProperties(const PropertyList& props, const std::vector<std::string>& only, bool valueOnly);
// The same selection as one JSON object, {"Name": value, ...}.
Json propertiesJson(const PropertyList& props, const std::vector<std::string>& only);

// argv as one line a shell would split back into the same words ('a b' quoted).
std::string joinWords(const std::vector<std::string>& words);

}  // namespace sup::ctl
