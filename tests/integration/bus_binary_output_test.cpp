// Output is bytes, not text: a program that prints 0xFF or NUL is tailed and followed byte for byte
// (Manager1.Tail answers `ay`; Follow is a byte stream), through supctl and through a plain client.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// printf's octal escapes: "caf<U+00E9> <FF> nul:<NUL>:end\n"; a USR1 prints "<FE><NUL>later\n".
const char* kServices = R"(
services:
  binary:
    command: ["/bin/sh", "-c", "trap 'printf \"\\376\\000later\\n\"' USR1; printf 'caf\\303\\251 \\377 nul:\\000:end\\n'; while :; do sleep 0.05; done"]
    start_seconds: 0s
)";

const std::string kFirst = std::string("caf\xC3\xA9 \xFF nul:") + '\0' + ":end\n";
const std::string kLater = std::string("\xFE") + '\0' + "later\n";

class BinaryOutput : public DaemonTest {
  protected:
    void SetUp() override {
        startDaemon(kServices);
        ASSERT_TRUE(daemon->waitState("binary", "RUNNING")) << daemon->log();
    }
    void TearDown() override {
        finishDaemon(daemon.get(), {});
        DaemonTest::TearDown();
    }
    std::string tailBytes() const {
        auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
        auto proxy = sdbus::createProxy(*connection, "io.supervisord", "/io/supervisord");
        std::vector<uint8_t> bytes;
        proxy->callMethod("Tail")
            .onInterface("io.supervisord.Manager1")
            .withArguments(std::string("binary"), std::string("stdout"), uint32_t{10})
            .storeResultsTo(bytes);
        return std::string(bytes.begin(), bytes.end());
    }
};

TEST_F(BinaryOutput, TailReturnsEveryByte) {
    ASSERT_TRUE(waitFor([&] { return tailBytes() == kFirst; })) << "got: " << tailBytes();
    auto r = daemon->ctl({"tail", "binary"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, kFirst);
    // The rest of the API is unaffected: status still answers.
    EXPECT_EQ(daemon->stateOf("binary"), "RUNNING");
}

TEST_F(BinaryOutput, FollowDeliversEveryByte) {
    ASSERT_TRUE(waitFor([&] { return tailBytes() == kFirst; })) << "got: " << tailBytes();
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto proxy = sdbus::createProxy(*connection, "io.supervisord", "/io/supervisord");
    sdbus::UnixFd fd;
    proxy->callMethod("Follow")
        .onInterface("io.supervisord.Manager1")
        .withArguments(std::string("binary"), std::string("stdout"), uint32_t{10})
        .storeResultsTo(fd);
    ASSERT_TRUE(fd.isValid());

    std::string got;
    auto readUntil = [&](const std::string& want) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (got != want && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[4096];
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got == want;
    };
    EXPECT_TRUE(readUntil(kFirst)) << "got " << got.size() << " bytes: " << got;
    ASSERT_EQ(::kill(daemon->pidOf("binary"), SIGUSR1), 0);
    EXPECT_TRUE(readUntil(kFirst + kLater)) << "got " << got.size() << " bytes: " << got;
}

}  // namespace
