#include "ServiceSpec.h"

#include "SignalNames.h"

namespace sup {

std::vector<std::string> ServiceSpec::instanceNames() const {
    if (numprocs == 1) return {name};
    std::vector<std::string> names;
    names.reserve(numprocs);
    for (unsigned i = 0; i < numprocs; ++i) names.push_back(name + "@" + std::to_string(i));
    return names;
}

bool ServiceSpec::sameRuntime(const ServiceSpec& other) const {
    // Compare copies with the two fields that do not affect a running instance made equal; going through
    // operator== means a field added to ServiceSpec later is compared without anyone remembering to.
    ServiceSpec a = *this, b = other;
    a.where = b.where = {};
    a.numprocs = b.numprocs = 1;
    return a == b;
}

std::string toString(RestartMode mode) {
    switch (mode) {
        case RestartMode::Always:
            return "always";
        case RestartMode::OnFailure:
            return "on-failure";
        case RestartMode::Never:
            return "never";
    }
    return "always";
}

std::string signalName(int sig) {
    return config::standardSignalName(sig).value_or("SIG" + std::to_string(sig));
}

}  // namespace sup
