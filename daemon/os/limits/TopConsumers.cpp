#include "os/limits/TopConsumers.h"

#include <algorithm>

namespace sup::os::limits {

void ConsumerTally::add(const std::string& command, std::uint64_t count) {
    if (count == 0) return;
    counts_[command.empty() ? std::string("?") : command] += count;
}

std::vector<LimitConsumer> ConsumerTally::top(std::size_t max) const {
    std::vector<LimitConsumer> all;
    all.reserve(counts_.size());
    for (const auto& [command, count] : counts_) all.push_back(LimitConsumer{command, count});
    // stable_sort keeps the map's name order among equal counts.
    std::stable_sort(all.begin(), all.end(),
                     [](const LimitConsumer& a, const LimitConsumer& b) { return a.count > b.count; });
    if (all.size() > max) all.resize(max);
    return all;
}

std::string formatTop(const std::vector<LimitConsumer>& top, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < top.size() && i < max; ++i) {
        if (i) out += ", ";
        out += top[i].command + " " + std::to_string(top[i].count);
    }
    return out;
}

}  // namespace sup::os::limits
