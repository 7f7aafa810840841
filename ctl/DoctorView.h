// `supctl doctor` for people: findings grouped by instance, each with its suggested fix.
#pragma once

#include <string>
#include <vector>

#include "ctl/Model.h"

namespace sup::ctl {

// `checked` are the instances asked about; those without findings get an "ok" line.
std::string renderFindings(const std::vector<DoctorFinding>& findings,
                           const std::vector<std::string>& checked, bool colour);

// 0 when nothing is wrong, 1 when any finding is a warning or an error.
int doctorExitCode(const std::vector<DoctorFinding>& findings);

}  // namespace sup::ctl
