// fork() failing with EAGAIN for real: a pids cgroup that is full, and RLIMIT_NPROC used up by other
// processes of the service's user. The daemon must wait, say why, stay responsive, and recover.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <filesystem>

#include "integration/CiSkip.h"
#include "integration/Harness.h"

using namespace sup::test;
namespace fs = std::filesystem;

namespace {

// A pids cgroup (v1 hierarchy on these machines, v2 where that is all there is), removed afterwards.
class PidsCgroup {
  public:
    PidsCgroup() {
        for (std::string root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"}) {
            if (!fs::exists(root + "/cgroup.procs")) continue;
            if (root == "/sys/fs/cgroup" && !fs::exists(root + "/cgroup.controllers")) continue;
            path_ = root + "/suptest-" + std::to_string(::getpid());
            if (::mkdir(path_.c_str(), 0755) == 0 && fs::exists(path_ + "/pids.max")) return;
            ::rmdir(path_.c_str());
            path_.clear();
        }
    }
    ~PidsCgroup() {
        if (path_.empty()) return;
        // Every process in it has exited by now (the daemon stopped its children); rmdir may need a moment.
        waitFor([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; }, std::chrono::seconds(10));
    }
    bool ok() const { return !path_.empty(); }
    std::string procs() const { return path_ + "/cgroup.procs"; }
    void setMax(int n) { writeRaw(path_ + "/pids.max", std::to_string(n)); }
    static void writeRaw(const std::string& file, const std::string& value) {
        FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr) << file;
        std::fputs(value.c_str(), f);
        std::fclose(f);
    }

  private:
    std::string path_;
};

TEST(Pressure, PidsCgroupFullThenRaisedBringsEveryServiceUpNoneFatal) {
    if (::geteuid() != 0) SUP_SKIP_OR_FAIL_IN_CI("needs root to create a pids cgroup");
    PidsCgroup cg;
    if (!cg.ok()) SUP_SKIP_OR_FAIL_IN_CI("no pids cgroup controller available");
    TestBus bus;
    TempDir conf{"supconf"};
    writeFile(conf / "s.yaml", R"(
services:
  worker:
    command: ["/bin/sleep", "1000"]
    numprocs: 4
    start_seconds: 0s
    start_retries: 0
)");
    // The daemon (1 task) plus two children fit; the other two forks fail with EAGAIN.
    cg.setMax(3);
    DaemonOptions opts;
    opts.cgroupProcs = cg.procs();
    Daemon daemon(bus, conf.path(), opts);
    ASSERT_TRUE(daemon.waitReady()) << daemon.log();
    ASSERT_TRUE(waitFor([&] {
        int running = 0, backoff = 0;
        for (auto& p : daemon.status()) {
            running += p.value("state", "") == "RUNNING";
            backoff += p.value("state", "") == "BACKOFF";
        }
        return running == 2 && backoff == 2;
    })) << daemon.log();
    std::string reason;
    for (auto& p : daemon.status())
        if (p.value("state", "") == "BACKOFF") reason = p.value("reason", "");
    EXPECT_NE(reason.find("EAGAIN"), std::string::npos) << reason;
    EXPECT_NE(reason.find("pids"), std::string::npos) << reason;
    EXPECT_NE(reason.find("3/3"), std::string::npos) << reason;
    // Logged once per episode, however many retries happen.
    auto log = daemon.log();
    EXPECT_NE(log.find("retrying with backoff"), std::string::npos) << log;

    cg.setMax(100);
    ASSERT_TRUE(waitFor(
        [&] {
            auto st = daemon.status();
            return st.size() == 4 && std::all_of(st.begin(), st.end(),
                                                 [](auto& p) { return p.value("state", "") == "RUNNING"; });
        },
        std::chrono::seconds(60)))
        << daemon.status().dump();
    EXPECT_NE(daemon.log().find("fork pressure cleared"), std::string::npos);
    EXPECT_EQ(daemon.terminate(), 0);
}

TEST(Pressure, StoppingAServiceThatWaitsOnALimitWorksAtOnce) {
    if (::geteuid() != 0) SUP_SKIP_OR_FAIL_IN_CI("needs root to create a pids cgroup");
    PidsCgroup cg;
    if (!cg.ok()) SUP_SKIP_OR_FAIL_IN_CI("no pids cgroup controller available");
    TestBus bus;
    TempDir conf{"supconf"};
    writeFile(conf / "s.yaml", "services:\n  blocked:\n    command: [\"/bin/sleep\", \"1000\"]\n");
    cg.setMax(1);  // only the daemon itself
    DaemonOptions opts;
    opts.cgroupProcs = cg.procs();
    Daemon daemon(bus, conf.path(), opts);
    ASSERT_TRUE(daemon.waitReady()) << daemon.log();
    ASSERT_TRUE(daemon.waitState("blocked", "BACKOFF")) << daemon.log();
    auto r = daemon.ctl({"stop", "blocked"});
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(daemon.stateOf("blocked"), "STOPPED");
    // LeakSanitizer clones a tracer task at exit; under pids.max=1 it cannot, and the daemon would exit 1.
    cg.setMax(100);
    EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
}

TEST(Pressure, RlimitNprocOfTheServiceUserNamesTheLimitAndTheTopConsumer) {
    if (::geteuid() != 0) SUP_SKIP_OR_FAIL_IN_CI("needs root to run processes as nobody");
    constexpr int kSleepers = 50;
    // 50 sleeping processes of nobody use up its budget. A root daemon's child that setuid()s to nobody
    // is refused at execve() only when nobody's count is OVER the limit (kernel: count > limit there,
    // count >= limit at fork), so the limit is one below what the sleepers hold.
    constexpr int kLimit = kSleepers - 1;
    std::vector<pid_t> sleepers;
    for (int i = 0; i < kSleepers; ++i) {
        pid_t p = ::fork();
        ASSERT_GE(p, 0);
        if (p == 0) {
            if (::setgid(65534) < 0 || ::setuid(65534) < 0) ::_exit(1);
            ::execl("/bin/sleep", "sleep", "1000", nullptr);
            ::_exit(127);
        }
        sleepers.push_back(p);
    }
    auto killSleepers = [&] {
        for (pid_t p : sleepers) ::kill(p, SIGKILL);
        for (pid_t p : sleepers) ::waitpid(p, nullptr, 0);
        sleepers.clear();
    };
    struct Cleanup {
        std::function<void()> f;
        ~Cleanup() { f(); }
    } cleanup{killSleepers};

    TestBus bus;
    TempDir conf{"supconf"};
    writeFile(conf / "s.yaml",
              "services:\n  limited:\n    command: [\"/bin/sleep\", \"1000\"]\n    user: nobody\n"
              "    start_seconds: 0s\n");
    DaemonOptions opts;
    opts.rlimitNproc = kLimit;
    Daemon daemon(bus, conf.path(), opts);
    ASSERT_TRUE(daemon.waitReady()) << daemon.log();
    ASSERT_TRUE(daemon.waitState("limited", "BACKOFF")) << daemon.log();
    std::string reason;
    ASSERT_TRUE(waitFor([&] {
        reason = daemon.process("limited").value("reason", "");
        return reason.find("RLIMIT_NPROC") != std::string::npos;
    })) << reason
        << "\n"
        << daemon.log();
    EXPECT_NE(reason.find("EAGAIN"), std::string::npos) << reason;
    EXPECT_NE(reason.find("sleep"), std::string::npos) << reason;
    EXPECT_EQ(daemon.process("limited").value("restarts", -1), 0)
        << "EAGAIN must not count as a failed start";

    killSleepers();
    ASSERT_TRUE(daemon.waitState("limited", "RUNNING", std::chrono::seconds(60))) << daemon.log();
    EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
