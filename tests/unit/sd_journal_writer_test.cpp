// The journal writer never blocks: a journal socket nobody reads fills a bounded queue, the rest is
// dropped and counted, and the count is written once the journal takes entries again. Sockets are
// the test's own, in a temporary directory, never the host's journal.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "os/EventLoop.h"
#include "os/UniqueFd.h"
#include "sd/JournalWriter.h"

namespace {

using sup::os::UniqueFd;
using sup::sd::JournalWriter;

class TempSocketDir {
  public:
    TempSocketDir() {
        char tmpl[] = "/tmp/supjournalXXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempSocketDir() {
        if (path_.empty()) return;
        (void)::unlink((path_ + "/socket").c_str());
        (void)::rmdir(path_.c_str());
    }
    std::string socket() const { return path_ + "/socket"; }
    bool ok() const { return !path_.empty(); }

  private:
    std::string path_;
};

// A journald stand-in that reads only when told to.
UniqueFd bindJournal(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
    return fd;
}

std::vector<std::string> drain(int fd) {
    std::vector<std::string> out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) break;
        out.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return out;
}

struct CapturedLog {
    std::ostringstream text;
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    CapturedLog() {
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            "journal-writer-test", std::make_shared<spdlog::sinks::ostream_sink_st>(text)));
    }
    ~CapturedLog() { spdlog::set_default_logger(previous); }
};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

TEST(SdJournalWriter, NativeProtocolFraming) {
    EXPECT_EQ(sup::sd::journalDatagram({"MESSAGE=hello", "PRIORITY=6"}), "MESSAGE=hello\nPRIORITY=6\n");
    // A value with a newline goes as KEY, newline, 64-bit little-endian length, value, newline.
    EXPECT_EQ(sup::sd::journalDatagram({"MESSAGE=a\nb"}), std::string("MESSAGE\n\3\0\0\0\0\0\0\0a\nb\n", 20));
}

TEST(SdJournalWriter, AJournalThatNeverReadsStallsNothingAndLossesAreCounted) {
    TempSocketDir dir;
    ASSERT_TRUE(dir.ok());
    UniqueFd journal = bindJournal(dir.socket());
    ASSERT_TRUE(journal);
    CapturedLog log;
    sup::os::EventLoop loop;
    JournalWriter writer(dir.socket(), 64 * 1024);
    writer.attach(loop);

    const std::string line(100, 'x');
    const auto start = std::chrono::steady_clock::now();
    constexpr int kEntries = 20000;
    for (int i = 0; i < kEntries; ++i)
        writer.send({"MESSAGE=" + std::to_string(i) + " " + line, "SYSLOG_IDENTIFIER=firehose"});
    const auto took = std::chrono::steady_clock::now() - start;
    // A blocking send would never come back here at all; non-blocking, it is quick.
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_GT(writer.lostEntries(), 0u);
    EXPECT_LE(writer.queuedBytes(), 64u * 1024);
    EXPECT_TRUE(writer.watchingSocket());
    EXPECT_EQ(count(log.text.str(), "the journal is not keeping up"), 1u) << log.text.str();

    // journald catches up: read while the loop flushes what waits.
    std::vector<std::string> received;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((writer.queuedEntries() > 0) && std::chrono::steady_clock::now() < deadline) {
        for (auto& d : drain(journal.get())) received.push_back(std::move(d));
        loop.runOnce(100);
    }
    for (auto& d : drain(journal.get())) received.push_back(std::move(d));
    ASSERT_EQ(writer.queuedEntries(), 0u);
    ASSERT_FALSE(received.empty());
    // Every entry either arrived (in order) or was counted; the last says how many were lost.
    const std::string lost = "MESSAGE=supervisord: " + std::to_string(writer.lostEntries()) +
                             " journal entries were lost: the journal did not keep up\n";
    EXPECT_EQ(received.back().substr(0, lost.size()), lost) << received.back();
    EXPECT_EQ(received.size() - 1 + writer.lostEntries(), static_cast<std::size_t>(kEntries));
    int previous = -1;
    for (std::size_t i = 0; i + 1 < received.size(); ++i) {
        const int n = std::atoi(received[i].c_str() + std::strlen("MESSAGE="));
        EXPECT_GT(n, previous) << received[i];
        previous = n;
    }
    // Idle: the socket is no longer watched, so the loop has nothing to wake up for.
    EXPECT_FALSE(writer.watchingSocket());
    EXPECT_EQ(loop.runOnce(50), 0);

    // The next episode is reported again.
    writer.send({"MESSAGE=after", "SYSLOG_IDENTIFIER=firehose"});
    EXPECT_EQ(drain(journal.get()), std::vector<std::string>{"MESSAGE=after\nSYSLOG_IDENTIFIER=firehose\n"});
}

TEST(SdJournalWriter, NoJournaldIsWarnedAboutOnceAndTheNextJournaldIsFound) {
    TempSocketDir dir;
    ASSERT_TRUE(dir.ok());
    CapturedLog log;
    JournalWriter writer(dir.socket());
    writer.send({"MESSAGE=one"});
    writer.send({"MESSAGE=two"});
    EXPECT_EQ(count(log.text.str(), "no journal at " + dir.socket() + " (No such file or directory)"), 1u)
        << log.text.str();
    EXPECT_EQ(writer.lostEntries(), 2u);

    // journald starts: found within the retry interval, and the gap is reported there.
    UniqueFd journal = bindJournal(dir.socket());
    ASSERT_TRUE(journal);
    std::vector<std::string> received;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (received.empty() && std::chrono::steady_clock::now() < deadline) {
        writer.send({"MESSAGE=three"});
        received = drain(journal.get());
        if (received.empty()) ::usleep(50 * 1000);
    }
    ASSERT_GE(received.size(), 2u);
    EXPECT_EQ(received[0], "MESSAGE=three\n");
    EXPECT_NE(received[1].find(" journal entries were lost"), std::string::npos) << received[1];
    EXPECT_EQ(count(log.text.str(), "reachable again"), 1u) << log.text.str();
}

}  // namespace
