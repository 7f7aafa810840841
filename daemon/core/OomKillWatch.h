// Tells an OOM kill from any other SIGKILL. The kernel's OOM killer sends SIGKILL like anyone else;
// what gives it away is the memory cgroup's oom_kill counter, which grows with every kill. Pure: the
// readings come from os/ (memory.events or memory.oom_control).
#pragma once

#include <cstdint>
#include <optional>

#include "core/ExitStatus.h"

namespace sup {

class OomKillWatch {
  public:
    // Only a SIGKILL can be an OOM kill: the counter is read for those exits only.
    static bool mayBeOomKill(const ExitStatus& status);

    // The counter when supervision starts: kills before it are nobody's business here.
    void baseline(std::optional<std::uint64_t> reading);
    // A SIGKILL exit and the counter read right after it: true when the counter grew since the last
    // reading. Two victims reaped together: the first takes the growth, the second is a plain SIGKILL.
    bool killedByOom(const ExitStatus& status, std::optional<std::uint64_t> reading);

  private:
    std::optional<std::uint64_t> last_;
};

}  // namespace sup
