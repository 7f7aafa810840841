// What `supctl start/restart` prints after "NAME failed to start": the details of the failure and a
// pointer to where more is to be found, which depends on how it failed. A program that never ran
// wrote no output, so pointing at `tail --stderr` would lead nowhere.
#pragma once

#include <string>

#include "ctl/Model.h"

namespace sup::ctl {

enum class FailureKind {
    ForkRefused,  // no child at all: a process limit refused fork (or exec, EAGAIN)
    NeverRan,     // the child failed before its program ran: exec, chdir, setuid, ...
    ProgramExit,  // the program ran and exited or was killed
    Unknown,      // nothing recorded yet
};

FailureKind classifyFailure(const ProcessRecord& p);

// The indented note lines under the failure message ("  spawn error: ...\n  see: ...\n").
// `reason` is what the message already said (not repeated).
std::string failureNotes(const ProcessRecord& p, const std::string& reason);

}  // namespace sup::ctl
