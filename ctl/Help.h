// The --help texts of supctl and of each of its commands.
#pragma once

#include <string>

namespace sup::ctl {

std::string generalHelp();
// Help for one command ("" for an unknown one).
std::string commandHelp(const std::string& command);

}  // namespace sup::ctl
