// The limits.conf parser and the /proc and /sys readers, on a fake root (tests/unit/limits_fake_root.h)
// whose files take the input: NUL separates limits.conf, proc/<self>/status, proc/<self>/limits,
// proc/<self>/cgroup, proc/<self>/mountinfo, the cgroup's pids.max, kernel threads-max and pid_max,
// and etc/passwd. Nothing may throw: a machine's files are whatever they are.
#include "FuzzInput.h"
#include "os/limits/KernelLimits.h"
#include "os/limits/LimitsConf.h"
#include "os/limits/LimitsProbe.h"
#include "os/limits/PidsCgroup.h"
#include "os/limits/ProcLimits.h"
#include "os/limits/ProcTable.h"
#include "unit/limits_fake_root.h"

namespace {

using namespace sup::os::limits;

constexpr pid_t kSelf = 100;
constexpr const char* kCgroup = "sys/fs/cgroup/system.slice/supervisord.service";

// One tree for the whole run; each input rewrites its files.
struct Machine {
    test::FakeRoot root;
    FsRoot fs;
    Machine() : fs(initialized(root)) {}

    static FsRoot initialized(test::FakeRoot& root) {
        test::FakeProcess other;
        other.pid = 200;
        other.ppid = kSelf;
        other.uid = 1000;
        root.addProcess(other);
        root.setLimits(other.pid, 4096, 1024);
        root.addFds(kSelf, 0, 3);
        root.write("sys/fs/cgroup/cgroup.controllers", "pids\n");
        root.write(std::string(kCgroup) + "/pids.current", "7\n");
        root.write(std::string(kCgroup) + "/pids.events", "max 2\n");
        root.write(std::string(kCgroup) + "/cgroup.procs", "100\n200\n");
        return root.fs();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Machine machine;
    auto parts = sup::fuzz::splitParts(sup::fuzz::asText(data, size), 9);
    parts.resize(9);
    const std::string self = test::FakeRoot::proc(kSelf);
    machine.root.write("etc/security/limits.conf", parts[0]);
    machine.root.write(self + "/status", parts[1]);
    machine.root.write(self + "/limits", parts[2]);
    machine.root.write(self + "/cgroup", parts[3]);
    machine.root.write(self + "/mountinfo", parts[4]);
    machine.root.write(std::string(kCgroup) + "/pids.max", parts[5]);
    machine.root.write("proc/sys/kernel/threads-max", parts[6]);
    machine.root.write("proc/sys/kernel/pid_max", parts[7]);
    machine.root.write("etc/passwd", parts[8]);

    UserIdentity alice{1000, 1000, "alice", {1000, 27}, {"alice", "sudo"}};
    PamLimits pam;
    applyLimitsConf(parts[0], "limits.conf", alice, pam);
    (void)describePamLimit(pam.nproc, "nproc", alice.name);
    (void)describePamLimit(pam.nofile, "nofile", alice.name);
    if (auto user = lookupUser(machine.fs, 1000)) (void)pamLimitsFor(machine.fs, *user);
    (void)parseStatus(kSelf, parts[1]);
    (void)parseProcLimits(parts[2]);
    (void)parseMountinfo(parts[4]);
    (void)systemdUnitOf(parts[3]);

    const ProcessTable table = scanProcesses(machine.fs);
    (void)locatePidsCgroup(machine.fs, kSelf);
    const sup::LimitsReport report = probeLimits(machine.fs, ProbeRequest{kSelf, 80, {1000, 0}}, table);
    if (!report.bindingId.empty() && report.binding() == nullptr) sup::fuzz::fail();
    return 0;
}
