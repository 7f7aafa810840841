// The one-line diagnosis of a failed fork/exec: errno name, the limit's name and N/M, top consumers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "limits_fake_root.h"
#include "os/limits/ForkDiagnosis.h"
#include "supervisor/LimitsDiagnostics.h"

namespace sup::os::limits {
namespace {

using ::testing::HasSubstr;

LimitDimension dim(std::string id, std::string title, std::uint64_t used, std::uint64_t limit,
                   std::vector<LimitConsumer> top = {}, std::uint64_t hits = 0) {
    LimitDimension d;
    d.id = std::move(id);
    d.title = std::move(title);
    d.used = used;
    d.limit = limit;
    d.percent = limit ? used * 100.0 / limit : 0;
    d.top = std::move(top);
    d.hitCount = hits;
    return d;
}

LimitsReport report(std::vector<LimitDimension> dims) {
    LimitsReport r;
    r.dimensions = std::move(dims);
    return r;
}

TEST(ForkDiagnosis, PidsCgroupLineHasErrnoLimitNumbersHitsAndTop) {
    auto r = report({dim("pids-cgroup", "pids cgroup /supervisord-test", 3, 3, {{"sleep", 3}}, 12),
                     dim("nproc:uid=0", "RLIMIT_NPROC of uid 0 (root)", 40, 50),
                     dim("pid-max", "kernel pid_max", 90, 32768)});
    r.dimensions[1].percent = 0;  // root is exempt
    EXPECT_EQ(
        describeForkFailure(r, EAGAIN, std::nullopt, 0),
        "EAGAIN (Resource temporarily unavailable): pids cgroup /supervisord-test 3/3 (pids.max, refused 12 "
        "times); top: sleep 3");
}

TEST(ForkDiagnosis, NprocOfTheServiceUserNamesRlimitNproc) {
    auto r = report({dim("pids-cgroup", "pids cgroup /", 200, 0),
                     dim("nproc:uid=0", "RLIMIT_NPROC of uid 0 (root)", 40, 50),
                     dim("nproc:uid=65534", "RLIMIT_NPROC of uid 65534 (nobody)", 50, 50, {{"sleep", 50}})});
    r.dimensions[1].percent = 0;
    auto line = describeForkFailure(r, EAGAIN, 65534, 0);
    EXPECT_THAT(line, HasSubstr("EAGAIN"));
    EXPECT_THAT(line, HasSubstr("RLIMIT_NPROC of uid 65534 (nobody) 50/50"));
    EXPECT_THAT(line, HasSubstr("top: sleep 50"));
}

TEST(ForkDiagnosis, OtherUsersNprocIsNotBlamed) {
    auto r = report({dim("nproc:uid=1000", "RLIMIT_NPROC of uid 1000 (alice)", 50, 50, {{"ssh", 50}}),
                     dim("nproc:uid=65534", "RLIMIT_NPROC of uid 65534 (nobody)", 1, 50)});
    auto line = describeForkFailure(r, EAGAIN, 65534, 0);
    EXPECT_THAT(line, HasSubstr("no limit near exhaustion"));
    EXPECT_EQ(line.find("alice"), std::string::npos) << line;
}

TEST(ForkDiagnosis, TheDaemonsOwnUidCountsAtFork) {
    auto r = report({dim("nproc:uid=1000", "RLIMIT_NPROC of uid 1000 (alice)", 49, 50, {{"ssh", 45}})});
    EXPECT_THAT(describeForkFailure(r, EAGAIN, 65534, 1000),
                HasSubstr("RLIMIT_NPROC of uid 1000 (alice) 49/50"));
    EXPECT_THAT(describeForkFailure(r, EAGAIN, std::nullopt, 1000), HasSubstr("49/50"));
}

TEST(ForkDiagnosis, KernelLimitsAreNamed) {
    auto threads = report({dim("threads-max", "kernel threads-max", 995, 1000, {{"java", 900}})});
    EXPECT_THAT(describeForkFailure(threads, EAGAIN, std::nullopt, 0), HasSubstr("threads-max 995/1000"));
    auto pids = report({dim("pid-max", "kernel pid_max", 32767, 32768)});
    EXPECT_THAT(describeForkFailure(pids, ENOMEM, std::nullopt, 0),
                HasSubstr("ENOMEM (Cannot allocate memory): kernel pid_max 32767/32768"));
}

TEST(ForkDiagnosis, TheFullestRelevantDimensionWins) {
    auto r = report(
        {dim("pids-cgroup", "pids cgroup /a", 60, 64), dim("threads-max", "kernel threads-max", 999, 1000)});
    EXPECT_THAT(describeForkFailure(r, EAGAIN, std::nullopt, 0), HasSubstr("threads-max 999/1000"));
}

TEST(ForkDiagnosis, NothingNearSaysSoAndShowsTheFullest) {
    auto r =
        report({dim("pids-cgroup", "pids cgroup /a", 10, 64), dim("pid-max", "kernel pid_max", 100, 32768)});
    auto line = describeForkFailure(r, EAGAIN, std::nullopt, 0);
    EXPECT_EQ(
        line,
        "EAGAIN (Resource temporarily unavailable): no limit near exhaustion; likely memory (ENOMEM) or a "
        "transient spike (fullest: pids cgroup /a 10/64)");
    EXPECT_THAT(describeForkFailure(report({}), ENOMEM, std::nullopt, 0),
                HasSubstr("no limit near exhaustion"));
}

TEST(ForkDiagnosis, OneTaskLeftOfASmallLimitCountsAsNear) {
    auto r =
        report({dim("pids-cgroup", "pids cgroup /a", 5, 6)});  // 83 %, but the next fork needs the last one
    EXPECT_THAT(describeForkFailure(r, EAGAIN, std::nullopt, 0), HasSubstr("pids cgroup /a 5/6"));
}

TEST(ForkDiagnosis, DescriptorErrorsLookAtNofileOnly) {
    auto r = report({dim("pids-cgroup", "pids cgroup /a", 64, 64),
                     dim("nofile", "RLIMIT_NOFILE of supervisord", 1024, 1024)});
    EXPECT_THAT(describeForkFailure(r, EMFILE, std::nullopt, 0),
                HasSubstr("EMFILE (Too many open files): RLIMIT_NOFILE of supervisord 1024/1024"));
}

// The whole path through LimitsDiagnostics on a fake machine.
TEST(LimitsDiagnosticsFake, ForkFailureOnAFullPidsCgroup) {
    test::FakeRoot root;
    root.passwd(test::kPasswd);
    root.addProcess({100, 1, 0, "supervisord", 'S', 1});
    root.setLimits(100, 0, 1024);
    for (pid_t p : {200, 201}) root.addProcess({p, 100, 0, "sleep", 'S', 1});
    root.setKernel(100000, 32768);
    root.write("proc/100/cgroup", "8:pids:/supervisord-test\n");
    root.pidsCgroupV1("/", "", 0, 0, "");
    root.pidsCgroupV1("/supervisord-test", "3", 3, 12, "100\n200\n201\n");
    LimitsDiagnostics diag(root.fs(), 100);
    auto line = diag.forkFailure(EAGAIN, std::nullopt);
    EXPECT_THAT(line, HasSubstr("EAGAIN"));
    EXPECT_THAT(line, HasSubstr("pids cgroup /supervisord-test 3/3"));
    EXPECT_THAT(line, HasSubstr("refused 12 times"));
    EXPECT_THAT(line, HasSubstr("top: sleep 2, supervisord 1"));
    auto limits = diag.limits(80, {});
    EXPECT_EQ(limits.bindingId, "pids-cgroup");
    EXPECT_EQ(limits.warnPercent, 80u);
}

TEST(LimitsDiagnosticsFake, ExecFailureOfANobodyService) {
    test::FakeRoot root;
    root.passwd(test::kPasswd);
    root.addProcess({100, 1, 0, "supervisord", 'S', 1});
    root.setLimits(100, 50, 1024);
    for (pid_t p = 1000; p < 1050; ++p) root.addProcess({p, 1, 65534, "sleep", 'S', 1});
    root.setKernel(100000, 32768);
    LimitsDiagnostics diag(root.fs(), 100);
    auto line = diag.forkFailure(EAGAIN, 65534);
    EXPECT_THAT(line, HasSubstr("RLIMIT_NPROC of uid 65534 (nobody) 50/50"));
    EXPECT_THAT(line, HasSubstr("top: sleep 50"));
    // A root service is exempt: the same machine has nothing to blame then.
    EXPECT_THAT(diag.forkFailure(EAGAIN, 0), HasSubstr("no limit near exhaustion"));
}

}  // namespace
}  // namespace sup::os::limits
