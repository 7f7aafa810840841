#include "os/limits/ProcTable.h"

#include <algorithm>

namespace sup::os::limits {
namespace {

// The first whitespace-separated field after a "Key:" prefix.
std::string_view firstField(std::string_view value) {
    value = trim(value);
    auto end = value.find_first_of(" \t");
    return end == std::string_view::npos ? value : value.substr(0, end);
}

}  // namespace

const ProcessEntry* ProcessTable::find(pid_t pid) const {
    auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                               [](const ProcessEntry& e, pid_t p) { return e.pid < p; });
    return it != processes.end() && it->pid == pid ? &*it : nullptr;
}

std::optional<ProcessEntry> parseStatus(pid_t pid, std::string_view text) {
    ProcessEntry e;
    e.pid = pid;
    bool haveUid = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        if (key == "Name") {
            e.comm = std::string(trim(value));
        } else if (key == "State") {
            auto v = trim(value);
            if (!v.empty()) e.state = v.front();
        } else if (key == "PPid") {
            if (auto v = parseU64(firstField(value))) e.ppid = static_cast<pid_t>(*v);
        } else if (key == "Uid") {
            if (auto v = parseU64(firstField(value))) {
                e.realUid = static_cast<uid_t>(*v);
                haveUid = true;
            }
        } else if (key == "Threads") {
            if (auto v = parseU64(firstField(value))) e.threads = *v;
        }
    }
    if (!haveUid) return std::nullopt;
    return e;
}

ProcessTable scanProcesses(const FsRoot& fs) {
    ProcessTable table;
    auto pids = fs.listNumeric("proc");
    std::sort(pids.begin(), pids.end());
    table.processes.reserve(pids.size());
    for (long pid : pids) {
        std::string dir = "proc/" + std::to_string(pid);
        auto status = fs.read(dir + "/status");
        if (!status) continue;  // exited since the listing
        auto entry = parseStatus(static_cast<pid_t>(pid), *status);
        if (!entry) continue;
        if (entry->comm.empty()) {
            if (auto comm = fs.read(dir + "/comm", 256)) entry->comm = std::string(trim(*comm));
        }
        table.totalThreads += entry->threads;
        table.processes.push_back(std::move(*entry));
    }
    return table;
}

}  // namespace sup::os::limits
