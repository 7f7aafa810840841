#include "ctl/ProcessReader.h"

#include <cstring>
#include <string>

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

namespace sup::ctl {

namespace {

// Reads the variant's value into `out` when it has the expected D-Bus type; otherwise consumes
// the variant and keeps the default (a newer daemon may change or add keys).
template <typename T>
void readAs(sdbus::Message& m, const std::string& contents, T& out) {
    if (contents == sdbus::signature_of<T>::str()) {
        m.enterVariant(contents);
        m >> out;
        m.exitVariant();
    } else {
        sdbus::Variant ignored;
        m >> ignored;
    }
}

void readField(sdbus::Message& m, const std::string& key, ProcessRecord& p) {
    std::string type, contents;
    m.peekType(type, contents);
    if (key == "name")
        readAs(m, contents, p.name);
    else if (key == "group")
        readAs(m, contents, p.group);
    else if (key == "state")
        readAs(m, contents, p.state);
    else if (key == "pid")
        readAs(m, contents, p.pid);
    else if (key == "restarts")
        readAs(m, contents, p.restarts);
    else if (key == "exit_status")
        readAs(m, contents, p.exitStatus);
    else if (key == "last_exit")
        readAs(m, contents, p.lastExit);
    else if (key == "spawn_error")
        readAs(m, contents, p.spawnError);
    else if (key == "reason")
        readAs(m, contents, p.reason);
    else if (key == "started_at")
        readAs(m, contents, p.startedAtUsec);
    else if (key == "state_since")
        readAs(m, contents, p.stateSinceUsec);
    else if (key == "next_start")
        readAs(m, contents, p.nextStartUsec);
    else if (key == "cpu_usec")
        readAs(m, contents, p.cpuUsec);
    else if (key == "max_rss_kib")
        readAs(m, contents, p.maxRssKiB);
    else if (key == "command")
        readAs(m, contents, p.command);
    else if (key == "argv")
        readAs(m, contents, p.argv);
    else if (key == "source_file")
        readAs(m, contents, p.sourceFile);
    else if (key == "source_line")
        readAs(m, contents, p.sourceLine);
    else if (key == "priority")
        readAs(m, contents, p.priority);
    else if (key == "requires")
        readAs(m, contents, p.required);
    else if (key == "wants")
        readAs(m, contents, p.wanted);
    else if (key == "after")
        readAs(m, contents, p.after);
    else if (key == "required_by")
        readAs(m, contents, p.requiredBy);
    else if (key == "ready_state")
        readAs(m, contents, p.readyState);
    else if (key == "notify_status")
        readAs(m, contents, p.notifyStatus);
    else if (key == "object") {
        sdbus::ObjectPath path;
        readAs(m, contents, path);
        p.objectPath = path;
    } else {
        sdbus::Variant ignored;
        m >> ignored;
    }
}

// Reads the dict entries of an a{sv} whose container has already been entered.
void readEntries(sdbus::Message& m, ProcessRecord& p) {
    while (m.enterDictEntry("sv")) {
        std::string key;
        m >> key;
        readField(m, key, p);
        m.exitDictEntry();
    }
    m.clearFlags();  // the failed enter at the end of the array is how the loop ends, not an error
}

}  // namespace

ProcessRecord readProcess(sdbus::Message& reply) {
    ProcessRecord p;
    if (!reply.enterContainer("{sv}")) return p;
    readEntries(reply, p);
    reply.exitContainer();
    return p;
}

std::vector<ProcessRecord> readProcessList(sdbus::Message& reply) {
    std::vector<ProcessRecord> out;
    if (!reply.enterContainer("a{sv}")) return out;
    while (reply.enterContainer("{sv}")) {
        ProcessRecord p;
        readEntries(reply, p);
        reply.exitContainer();
        out.push_back(std::move(p));
    }
    reply.clearFlags();
    reply.exitContainer();
    return out;
}

}  // namespace sup::ctl
