// The configuration the README leads with, run as written under the real daemon.
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// The first ```yaml block of README.md: the main example.
std::string readmeMainExample() {
    std::ifstream in(std::string(SUP_SOURCE_DIR) + "/README.md");
    std::string line, yaml;
    bool inside = false;
    while (std::getline(in, line)) {
        if (!inside && line == "```yaml") {
            inside = true;
        } else if (inside && line.starts_with("```")) {
            return yaml;
        } else if (inside) {
            yaml += line + "\n";
        }
    }
    return "";
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// Whether a TCP connection to 127.0.0.1:port is accepted (someone listens there).
bool listening(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// A base port whose next `count` ports nobody listens on; tests running at the same time make a fixed
// 8080 a gamble.
int freePortBase(int count) {
    std::mt19937 random(static_cast<unsigned>(::getpid()));
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int base = 20000 + static_cast<int>(random() % 30000);
        bool free = true;
        for (int i = 0; i < count; ++i) free = free && !listening(base + i);
        if (free) return base;
    }
    return -1;
}

class DocExamples : public DaemonTest {
  protected:
    TempDir logs{"suplogs"};
    // Command lines (as cmdlineOf() shows them) of the processes this test starts: killed in TearDown,
    // whatever the daemon did with them.
    std::vector<std::string> markers;

    void TearDown() override {
        finishDaemon(daemon.get(), markers);
        DaemonTest::TearDown();
    }
};

TEST_F(DocExamples, TheReadmeMainExampleRunsEveryInstanceOnItsOwnPort) {
    if (::geteuid() != 0) GTEST_SKIP() << "the example runs its service as www-data: needs root";
    if (!::getpwnam("www-data") || !::getgrnam("sudo")) GTEST_SKIP() << "not a Debian-like system";
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
    std::string yaml = readmeMainExample();
    ASSERT_NE(yaml.find("numprocs: 2"), std::string::npos) << "the README's example changed:\n" << yaml;
    // Only what must differ on a shared test machine: where logs go, and the port.
    replaceAll(yaml, "/var/log/supervisord", logs.path());
    const int base = freePortBase(2);
    ASSERT_GT(base, 0);
    ASSERT_NE(yaml.find("8080 +"), std::string::npos) << yaml;
    replaceAll(yaml, "8080 +", std::to_string(base) + " +");
    for (int i = 0; i < 2; ++i)
        markers.push_back("/usr/bin/python3 -m http.server " + std::to_string(base + i));

    startDaemon(yaml);
    for (const char* name : {"web@0", "web@1"})
        ASSERT_TRUE(daemon->waitState(name, "RUNNING")) << daemon->log();
    // Each instance serves its own port: the evidence that neither lost a race for the other's.
    EXPECT_TRUE(waitFor([&] { return listening(base) && listening(base + 1); })) << daemon->log();
    for (const char* name : {"web@0", "web@1"}) {
        auto p = daemon->process(name);
        EXPECT_EQ(daemon->stateOf(name), "RUNNING") << daemon->log();
        EXPECT_EQ(p.value("restarts", -1), 0) << name << "\n" << daemon->log();
    }
    // The log file is named after the instance.
    EXPECT_TRUE(waitFor([&] { return ::access((logs.path() + "/web@0.log").c_str(), F_OK) == 0; }))
        << daemon->log();
    EXPECT_EQ(::access((logs.path() + "/web-web@0.log").c_str(), F_OK), -1);
}

}  // namespace
