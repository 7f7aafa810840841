// SIGCHLD coalesces: many children exiting at once must all be reaped and recorded.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "integration/Harness.h"

using namespace sup::test;

namespace {

TEST(Reaping, AThousandChildrenExitingAtOnceLeaveNoZombieAndEveryExitIsRecorded) {
    constexpr int kChildren = 1000;
    TestBus bus;
    TempDir conf{"supconf"};
    TempDir work{"supwork"};
    const std::string fifo = work / "go";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
    // Holding the FIFO open read-write lets every child's open() succeed at once; closing it gives
    // all of them EOF in the same instant, so their exits (and SIGCHLDs) pile up together.
    int hold = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(hold, 0);
    writeFile(conf / "many.yaml", "services:\n  many:\n    command: [\"/bin/sh\", \"-c\", \"read x < " +
                                      fifo + "; exit 3\"]\n    numprocs: " + std::to_string(kChildren) +
                                      "\n    start_seconds: 0s\n    restart: never\n    stdout: null\n");
    Daemon daemon(bus, conf.path());
    ASSERT_TRUE(daemon.waitReady()) << daemon.log();
    // Every child must be blocked reading the FIFO before the release.
    ASSERT_TRUE(waitFor(
        [&] {
            auto st = daemon.status();
            if (st.size() != kChildren) return false;
            for (auto& p : st) {
                pid_t pid = p.value("pid", 0);
                if (pid <= 0) return false;
                char link[256] = {};
                std::string path = "/proc/" + std::to_string(pid) + "/fd/0";
                if (::readlink(path.c_str(), link, sizeof link - 1) <= 0 || fifo != link) return false;
            }
            return true;
        },
        std::chrono::seconds(60)))
        << daemon.log().substr(0, 4000);
    ::close(hold);
    ASSERT_TRUE(waitFor(
        [&] {
            auto st = daemon.status();
            for (auto& p : st)
                if (p.value("state", "") != "EXITED") return false;
            return st.size() == kChildren;
        },
        std::chrono::seconds(60)));
    for (auto& p : daemon.status()) EXPECT_EQ(p.value("exit_status", -1), 3) << p.dump();
    for (pid_t c : childrenOf(daemon.pid())) EXPECT_FALSE(isZombie(c)) << "zombie " << c;
}

}  // namespace
