// Deterministic simulation of the real Supervisor over FakeHost and a virtual clock. A seed gives a
// config and a sequence of operations (operator requests, reloads with random changes, exits, kills,
// exec failures, fork and fd pressure, time, shutdown); the invariants are checked after every step;
// a failing sequence is shrunk to a minimal one and printed as a list of operations.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ServiceSpec.h"

namespace sup {
class Supervisor;
}

namespace sup::sim {

class FakeHost;

struct Op {
    enum class Kind {
        Start,
        Stop,
        Restart,
        Signal,        // through Control, on `pattern` (names, globs, groups, "all")
        Reload,        // mutate the config (`mutation`, `pick`, `value`), then reload
        BrokenReload,  // a config that fails to load: nothing may change
        Exit,          // a live process (pick) exits by itself with code `value`
        Kill9,         // someone SIGKILLs a live process (pick)
        ExecFail,      // the next spawn's exec fails with ENOENT
        ForkPressure,
        PipePressure,  // fork EAGAIN / pipe EMFILE switched on (value 1) or off (0)
        Advance,       // `value` ms of time pass, timers fire
        ExecStatus,    // the oldest pending exec status is read
        Output,        // a live process (pick) writes a line
        Shutdown,      // SIGTERM to the daemon
    };
    enum class Mutation {
        AddService,
        RemoveService,
        ChangeField,
        NumprocsUp,
        NumprocsDown,
        Priority,
        SetNumprocs,
        SetEnvironment,  // SIM=value in the environment: what the exec depends on, so a restart
        Dependencies,    // new requires/wants/after edges, type and ready kind for one service
    };
    Kind kind = Kind::Advance;
    std::string pattern;
    Mutation mutation = Mutation::AddService;
    std::uint32_t pick = 0;
    int value = 0;
};

std::string describe(const Op& op);
std::string describe(const ServiceSpec& spec);

struct Violation {
    std::size_t step = 0;  // index of the op after which it was seen (ops.size() = the final checks)
    std::string what;
};

struct Scenario {
    std::uint64_t seed = 0;
    std::vector<ServiceSpec> services;  // the initial config
    std::vector<Op> ops;
};

// A random scenario from a seed.
Scenario generate(std::uint64_t seed, std::size_t steps);

// Called after every operation (step = its index) with what a scenario test may want to look at.
using Probe = std::function<void(std::size_t step, const Supervisor&, const FakeHost&)>;

// Runs it against the real Supervisor; the first invariant that fails, if any. After the ops, faults
// are switched off, time runs until things are quiet (checked), and the daemon is shut down (checked).
std::optional<Violation> run(const Scenario& scenario, const Probe& probe = {});

// The smallest sub-sequence of the ops (and of the initial services) that still fails.
Scenario shrink(const Scenario& failing);

std::string describe(const Scenario& scenario);

// A service as the generator makes them, for hand-written scenarios.
ServiceSpec makeService(const std::string& name, const std::string& program, unsigned numprocs = 1);

}  // namespace sup::sim
