// A fixture for tests of services written as small shell scripts: each script may append a line to
// one shared events file (O_APPEND, so the lines are in the order the events happened, whichever
// process wrote them), and may wait for a file the test creates (a gate), so the test decides when a
// service goes on instead of guessing how long it takes.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

namespace sup::test {

class ScriptedServiceTest : public DaemonTest {
  protected:
    TempDir work{"supwork"};
    // Command lines (as cmdlineOf() shows them) of the processes the scripts end in: killed in
    // TearDown, whatever the daemon did with them.
    std::vector<std::string> markers;

    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        DaemonTest::TearDown();
    }

    std::string eventsPath() const { return work / "events"; }

    // A shell line appending `what` to the events file.
    std::string event(const std::string& what) const { return "echo '" + what + "' >> " + eventsPath(); }

    // A shell line waiting until the test calls openGate(gate).
    std::string waitGate(const std::string& gate) const {
        return "while [ ! -e " + (work / gate) + " ]; do /bin/sleep 0.02; done";
    }
    void openGate(const std::string& gate) const { writeFile(work / gate, ""); }

    // Appends a line of the test's own to the events file, between the services' lines.
    void note(const std::string& what) const {
        std::ofstream out(eventsPath(), std::ios::app);
        out << what << "\n";
    }

    // The events file as lines, in the order they were written.
    std::vector<std::string> events() const {
        std::vector<std::string> lines;
        std::istringstream in(readFile(eventsPath()));
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }
    bool hasEvent(const std::string& what) const {
        auto lines = events();
        return std::find(lines.begin(), lines.end(), what) != lines.end();
    }
    // Where `what` is in the events (-1 when absent).
    long indexOf(const std::string& what) const {
        auto lines = events();
        auto it = std::find(lines.begin(), lines.end(), what);
        return it == lines.end() ? -1 : it - lines.begin();
    }
    std::string eventsText() const { return "events:\n" + readFile(eventsPath()); }

    // A service entry (under `services:`) running `script` with /bin/sh -c, as a YAML literal block so
    // the script needs no quoting; `options` are further keys, one per line, without indentation.
    static std::string service(const std::string& name, const std::string& script,
                               const std::vector<std::string>& options) {
        std::string out = "  " + name + ":\n    command:\n      - /bin/sh\n      - -c\n      - |\n";
        std::istringstream lines(script);
        for (std::string line; std::getline(lines, line);) out += "        " + line + "\n";
        for (auto& o : options) out += "    " + o + "\n";
        return out;
    }

    // The reason of an instance in `supctl status --json` ("" when absent).
    std::string reasonOf(const std::string& name) const {
        auto p = daemon->process(name);
        return p.is_null() ? "" : p.value("reason", "");
    }
    // Waits until the instance is in `state` with a reason containing `reason`.
    bool waitStateReason(const std::string& name, const std::string& state, const std::string& reason,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
        return waitFor(
            [&] {
                auto p = daemon->process(name);
                return !p.is_null() && p.value("state", "") == state &&
                       p.value("reason", "").find(reason) != std::string::npos;
            },
            timeout);
    }
    std::string statusText() const { return daemon->ctl({"status"}).out; }
};

}  // namespace sup::test
