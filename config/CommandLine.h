// Splitting a `command:` string into argv the way a POSIX shell splits words, and nothing more.
//
// Supported: blanks separate words; '...' keeps everything literally; "..." keeps everything but lets
// \" \\ \$ \` and backslash-newline be escaped; outside quotes a backslash escapes the next character;
// quoted and unquoted pieces next to each other form one word; "" is an empty argument.
// Deliberately NOT supported: variables, globs, pipes, redirections, ';', '&&', $(...), backticks, '~',
// comments. Those characters are ordinary text here. A user who wants a shell writes
// command: ["/bin/sh", "-c", "..."].
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sup::config {

// Throws std::invalid_argument naming the position (1-based character) of an unbalanced quote or a
// trailing backslash.
std::vector<std::string> splitCommandLine(std::string_view text);

}  // namespace sup::config
