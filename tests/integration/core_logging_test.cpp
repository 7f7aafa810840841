// Captured output: size rotation loses no line, SIGUSR1 reopens moved files, a child that writes as
// fast as it can stalls neither the daemon nor the other children, timestamps prefix each line.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

class Logging : public DaemonTest {
  protected:
    TempDir logs{"suplogs"};
};

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST_F(Logging, SizeRotationKeepsEveryLineInOrder) {
    constexpr int kLines = 20000;
    const std::string path = logs / "counter.log";
    startDaemon(R"(
services:
  counter:
    command: ["/bin/sh", "-c", "i=0; while [ $i -lt )" +
                std::to_string(kLines) +
                R"( ]; do i=$((i+1)); echo \"line $i\"; done; echo done; exec sleep 1000"]
    start_seconds: 0s
    stdout: {file: )" +
                path + R"(, max_size: 16KiB, backups: 100}
)");
    ASSERT_TRUE(waitFor([&] { return readFile(path).find("done\n") != std::string::npos; }, 60s))
        << daemon->log();
    // Oldest first: path.N ... path.1, then path.
    std::vector<std::string> all;
    int rotated = 0;
    while (std::filesystem::exists(path + "." + std::to_string(rotated + 1))) ++rotated;
    ASSERT_GE(rotated, 5) << "expected several rotations of a 16 KiB file";
    for (int i = rotated; i >= 0; --i) {
        const std::string file = i == 0 ? path : path + "." + std::to_string(i);
        EXPECT_LE(std::filesystem::file_size(file), 16u * 1024) << file;
        for (auto& l : linesOf(readFile(file))) all.push_back(l);
    }
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kLines + 1));
    for (int i = 0; i < kLines; ++i) ASSERT_EQ(all[i], "line " + std::to_string(i + 1)) << "at index " << i;
    EXPECT_EQ(all.back(), "done");
}

TEST_F(Logging, Sigusr1ReopensAFileThatLogrotateMovedAway) {
    const std::string path = logs / "ticker.log";
    startDaemon(R"(
services:
  ticker:
    command: ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done"]
    start_seconds: 0s
    stdout: {file: )" +
                path + R"(}
)");
    ASSERT_TRUE(waitFor([&] { return readFile(path).find("tick 3\n") != std::string::npos; }))
        << daemon->log();
    ASSERT_EQ(::rename(path.c_str(), (path + ".old").c_str()), 0);
    ASSERT_EQ(::kill(daemon->pid(), SIGUSR1), 0);
    ASSERT_TRUE(waitFor([&] { return readFile(path).find("tick") != std::string::npos; })) << daemon->log();
    EXPECT_EQ(daemon->pidOf("ticker"), daemon->pidOf("ticker"));
    EXPECT_EQ(daemon->stateOf("ticker"), "RUNNING");
}

TEST_F(Logging, AFirehoseStallsNeitherTheDaemonNorItsNeighbours) {
    startDaemon(R"(
services:
  firehose:
    command: ["/usr/bin/yes", "a line that is written as fast as the pipe takes it"]
    start_seconds: 0s
    stdout: memory
  ticker:
    command: ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done"]
    start_seconds: 0s
    stdout: memory
)");
    ASSERT_TRUE(daemon->waitState("firehose", "RUNNING"));
    // While yes(1) fills its pipe non-stop, the ticker's lines keep arriving and supctl keeps answering.
    for (int round = 0; round < 5; ++round) {
        std::string before = daemon->ctl({"tail", "-n", "1", "ticker"}).out;
        ASSERT_TRUE(waitFor([&] {
            auto now = daemon->ctl({"tail", "-n", "1", "ticker"});
            return now.exitCode == 0 && !now.out.empty() && now.out != before;
        })) << daemon->log();
    }
    auto tail = daemon->ctl({"tail", "-n", "3", "firehose"});
    EXPECT_EQ(tail.exitCode, 0);
    EXPECT_NE(tail.out.find("as fast as the pipe"), std::string::npos);
    EXPECT_EQ(daemon->ctl({"stop", "firehose"}).exitCode, 0);
    EXPECT_EQ(daemon->stateOf("firehose"), "STOPPED");
}

TEST_F(Logging, TimestampsPrefixEveryCapturedLine) {
    startDaemon(R"(
services:
  stamped:
    command: ["/bin/sh", "-c", "echo first; echo second; exec sleep 1000"]
    start_seconds: 0s
    timestamps: true
    stdout: memory
)");
    std::string out;
    ASSERT_TRUE(waitFor([&] {
        out = daemon->ctl({"tail", "stamped"}).out;
        return out.find("second") != std::string::npos;
    }));
    auto lines = linesOf(out);
    ASSERT_EQ(lines.size(), 2u) << out;
    for (auto& l : lines) {
        // 2026-11-23T10:00:00.123 first
        ASSERT_GE(l.size(), 20u) << l;
        EXPECT_EQ(l[4], '-') << l;
        EXPECT_EQ(l[10], 'T') << l;
    }
}

// The daemon's log stamps every line itself: a service's own stamp (another format) was a second one.
TEST_F(Logging, TimestampsAreNotAddedTwiceInTheDaemonLog) {
    startDaemon(R"(
services:
  stamped:
    command: ["/bin/sh", "-c", "echo marker-7731; exec sleep 1000"]
    start_seconds: 0s
    timestamps: true
)");
    ASSERT_TRUE(waitFor([&] { return daemon->log().find("marker-7731") != std::string::npos; }))
        << daemon->log();
    std::string line;
    for (auto& l : linesOf(daemon->log()))
        if (l.find("marker-7731") != std::string::npos) line = l;
    EXPECT_NE(line.find("stamped: marker-7731"), std::string::npos) << line;
    // In memory (supctl tail) the stamp stays.
    auto tail = daemon->ctl({"tail", "stamped"}).out;
    ASSERT_GE(tail.size(), 20u) << tail;
    EXPECT_EQ(tail[10], 'T') << tail;
}

}  // namespace
