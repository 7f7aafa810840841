// Each spawn's own NOTIFY_SOCKET (RealProcessHost with notifySocket): real children, the real
// systemd-notify, the daemon's EventLoop driven by the test.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include <gtest/gtest.h>

#include "core/NotifyMessage.h"
#include "os/EventLoop.h"
#include "os/NotifySocket.h"
#include "os/RealProcessHost.h"
#include "os/UniqueFd.h"
#include "unit/os_test_helpers.h"

namespace sup::os {
namespace {

using namespace std::chrono_literals;

struct Recorder final : ProcessHost::Events {
    std::string out;
    std::vector<NotifyDatagram> notified;
    std::function<void(const NotifyDatagram&)> onEachNotify;
    void onOutput(ProcessHost::Token, Stream, std::string_view data) override { out += data; }
    void onOutputClosed(ProcessHost::Token, Stream) override {}
    void onExecStatus(ProcessHost::Token, const std::optional<SpawnError>&) override {}
    void onTimer() override {}
    void onNotify(ProcessHost::Token, const NotifyDatagram& datagram) override {
        notified.push_back(datagram);
        if (onEachNotify) onEachNotify(datagram);
    }
};

SpawnRequest shell(const std::string& script) {
    SpawnRequest req;
    req.argv = {"/bin/sh", "-c", script};
    req.env = {"PATH=/usr/bin:/bin"};
    req.directory = "/";
    return req;
}

// Sends `text` to a NOTIFY_SOCKET value ("@name") like sd_notify does, with `fd` attached if >= 0.
// 0 or the errno of sendmsg.
int sendNotify(const std::string& address, const std::string& text, int fd = -1) {
    UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return errno;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, address.data() + 1, address.size() - 1);
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_name = &addr;
    msg.msg_namelen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    return ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
}

class NotifySocketTest : public ::testing::Test {
  protected:
    EventLoop loop;
    ForkExecLauncher launcher;
    RealProcessHost host{loop, launcher};
    Recorder events;
    std::vector<pid_t> children;

    void SetUp() override { host.setEvents(&events); }
    void TearDown() override {
        for (pid_t pid : children) {
            ::kill(pid, SIGKILL);
            test::waitForChild(pid);
        }
    }

    pid_t spawn(ProcessHost::Token token, const SpawnRequest& req, bool notifySocket = true) {
        auto spawned = host.spawn(token, req, OutputWiring{}, notifySocket);
        EXPECT_FALSE(spawned.error) << spawned.error->describe();
        if (spawned.pid > 0) children.push_back(spawned.pid);
        return spawned.pid;
    }

    // Runs the loop until `done` or the deadline; whether `done` came true.
    bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline = test::kDeadline) {
        for (auto until = std::chrono::steady_clock::now() + deadline; !done();) {
            if (std::chrono::steady_clock::now() > until) return false;
            loop.runOnce(50);
        }
        return true;
    }

    // The first line the child printed, once it has.
    std::string firstLine() {
        EXPECT_TRUE(runUntil([&] { return events.out.find('\n') != std::string::npos; })) << events.out;
        return events.out.substr(0, events.out.find('\n'));
    }

    const NotifyDatagram* findReady() const {
        for (const auto& d : events.notified)
            if (parseNotifyMessage(d.text).ready) return &d;
        return nullptr;
    }
};

// The child's own side of the protocol, with the real tool: systemd-notify waits (BARRIER=1) until the
// manager has closed the fd it sent, and gives up after 5 s with an error. It must return at once.
TEST_F(NotifySocketTest, SystemdNotifyIsDeliveredAndItsBarrierReleased) {
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = spawn(1, shell("systemd-notify --ready --status=hello; echo rc=$?"));
    ASSERT_TRUE(runUntil([&] { return events.out.find("rc=") != std::string::npos; })) << events.out;
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_NE(events.out.find("rc=0"), std::string::npos) << events.out;
    EXPECT_LT(took, 4s) << "systemd-notify waited for its barrier (it gives up after 5 s)";

    const NotifyDatagram* ready = findReady();
    ASSERT_NE(ready, nullptr);
    const auto message = parseNotifyMessage(ready->text);
    EXPECT_EQ(message.status, "hello");
    // As root, systemd-notify sends its parent's pid (the shell, the main process) as the sender.
    EXPECT_TRUE(ready->senderSession == pid || ready->senderPid == pid)
        << "sender " << ready->senderPid << " session " << ready->senderSession << ", child " << pid;
    EXPECT_EQ(ready->senderSession, pid) << "each child leads its own session";
    EXPECT_EQ(ready->senderUid, ::getuid());
    EXPECT_TRUE(parseNotifyMessage(events.notified.back().text).barrier) << events.notified.back().text;
    EXPECT_TRUE(test::waitForChild(pid));
    host.closeOutput(1);
}

TEST_F(NotifySocketTest, TheAddressNamesTheDaemonAndTheTokenAndReplacesAnyInTheRequest) {
    SpawnRequest req = shell("echo \"$NOTIFY_SOCKET\"; env | grep -c '^NOTIFY_SOCKET='");
    req.env.push_back("NOTIFY_SOCKET=/run/systemd/notify");
    const pid_t pid = spawn(42, req);
    EXPECT_EQ(firstLine(), "@supervisord/" + std::to_string(::getpid()) + "/notify/42");
    ASSERT_TRUE(runUntil([&] { return events.out.find('\n') != events.out.rfind('\n'); })) << events.out;
    EXPECT_EQ(events.out.substr(events.out.find('\n') + 1), "1\n") << "exactly one NOTIFY_SOCKET";
    EXPECT_TRUE(test::waitForChild(pid));
    host.closeOutput(42);
}

// The socket is abstract, so anyone in the network namespace can send to it: the credentials tell a
// stranger apart (the supervisor refuses what does not come from the child's session).
TEST_F(NotifySocketTest, AProcessOutsideTheChildsSessionIsToldApart) {
    const pid_t pid = spawn(2, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6320"));
    const std::string address = firstLine();
    ASSERT_EQ(sendNotify(address, "READY=1"), 0) << address;
    ASSERT_TRUE(runUntil([&] { return !events.notified.empty(); }));
    const NotifyDatagram& d = events.notified.front();
    EXPECT_EQ(d.text, "READY=1");
    EXPECT_EQ(d.senderPid, ::getpid());
    EXPECT_EQ(d.senderSession, ::getsid(0));
    EXPECT_NE(d.senderSession, pid);
    EXPECT_EQ(d.senderUid, ::getuid());
    host.closeOutput(2);
}

// Abstract sockets have no file permissions: a child that dropped to another user reaches it as well.
TEST_F(NotifySocketTest, AChildRunningAsNobodyCanNotify) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a child as uid 65534";
    SpawnRequest req = shell("systemd-notify --ready --status=nobody; echo rc=$?");
    req.uid = 65534;
    req.gid = 65534;
    const pid_t pid = spawn(3, req);
    ASSERT_TRUE(runUntil([&] { return events.out.find("rc=") != std::string::npos; })) << events.out;
    EXPECT_NE(events.out.find("rc=0"), std::string::npos) << events.out;
    const NotifyDatagram* ready = findReady();
    ASSERT_NE(ready, nullptr);
    EXPECT_EQ(parseNotifyMessage(ready->text).status, "nobody");
    EXPECT_EQ(ready->senderUid, 65534u);
    // Unprivileged, systemd-notify cannot claim its parent's pid: its own is sent, in the child's session.
    EXPECT_EQ(ready->senderSession, pid);
    EXPECT_TRUE(test::waitForChild(pid));
    host.closeOutput(3);
}

TEST_F(NotifySocketTest, WithoutNotifySocketTheChildHasNone) {
    // Not even the daemon's own (under systemd it has one): the child's environment is the request's.
    ASSERT_EQ(::setenv("NOTIFY_SOCKET", "@daemon-own", 1), 0);
    const pid_t pid = spawn(4, shell("echo \"${NOTIFY_SOCKET-none}\""), false);
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_EQ(firstLine(), "none");
    EXPECT_TRUE(test::waitForChild(pid));
    host.closeOutput(4);
}

TEST_F(NotifySocketTest, TheSocketIsNotInheritedByTheChild) {
    const pid_t pid = spawn(5, shell("ls -l /proc/$$/fd/; echo end"));
    ASSERT_TRUE(runUntil([&] { return events.out.find("end\n") != std::string::npos; })) << events.out;
    EXPECT_EQ(events.out.find("socket:"), std::string::npos) << events.out;
    EXPECT_TRUE(test::waitForChild(pid));
    host.closeOutput(5);
}

// A spawn that fails in the daemon (no child exists) leaves no socket behind, and its name is free.
TEST_F(NotifySocketTest, AFailedSpawnClosesItsSocket) {
    const std::size_t before = test::openFds();
    SpawnRequest req;  // no argv: refused before the fork, after the socket was made
    auto spawned = host.spawn(10, req, OutputWiring{}, true);
    ASSERT_TRUE(spawned.error);
    EXPECT_EQ(spawned.error->stage, "argv");
    EXPECT_EQ(test::openFds(), before);
    NotifySocket again("supervisord/" + std::to_string(::getpid()) + "/notify/10");
    EXPECT_EQ(again.address(), "@supervisord/" + std::to_string(::getpid()) + "/notify/10");
}

// closeOutput delivers what is queued, then the name is gone: a later send is refused.
TEST_F(NotifySocketTest, ClosingDeliversWhatIsQueuedThenRefusesMore) {
    const pid_t pid = spawn(6, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6321"));
    const std::string address = firstLine();
    for (const char* text : {"STATUS=one", "STATUS=two", "READY=1"}) ASSERT_EQ(sendNotify(address, text), 0);
    EXPECT_TRUE(events.notified.empty()) << "the loop has not run";
    host.closeOutput(6);
    ASSERT_EQ(events.notified.size(), 3u);
    EXPECT_EQ(events.notified[0].text, "STATUS=one");
    EXPECT_EQ(events.notified[2].text, "READY=1");
    EXPECT_EQ(sendNotify(address, "READY=1"), ECONNREFUSED);
    // Spawning the same token again binds the name anew.
    EXPECT_EQ(::kill(pid, SIGKILL), 0);
    events.out.clear();
    spawn(6, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6322"));
    EXPECT_EQ(firstLine(), address);
    EXPECT_EQ(sendNotify(address, "READY=1"), 0);
    host.closeOutput(6);
}

// BARRIER=1 works by the fd it carries: the sender waits until that fd is closed, which must happen
// only after the datagrams before it were handled.
TEST_F(NotifySocketTest, FdsADatagramCarriesAreClosedOnlyAfterItWasHandled) {
    spawn(7, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6323"));
    const std::string address = firstLine();
    int barrier[2];
    ASSERT_EQ(::pipe2(barrier, O_CLOEXEC), 0);
    UniqueFd readEnd(barrier[0]);
    ASSERT_EQ(sendNotify(address, "STATUS=before"), 0);
    ASSERT_EQ(sendNotify(address, "BARRIER=1", barrier[1]), 0);
    ::close(barrier[1]);  // now only the daemon's copy keeps the pipe open
    std::vector<bool> hungUpWhenHandled;
    events.onEachNotify = [&](const NotifyDatagram&) {
        hungUpWhenHandled.push_back(test::readableWithin(readEnd.get(), 0));
    };
    ASSERT_TRUE(runUntil([&] { return events.notified.size() == 2; }));
    EXPECT_EQ(hungUpWhenHandled, (std::vector<bool>{false, false}));
    EXPECT_TRUE(test::readableWithin(readEnd.get(), 0)) << "closed once handled: the sender sees POLLHUP";
    host.closeOutput(7);
}

// The name is predictable, and abstract names are shared by the whole network namespace (a daemon with
// the same pid in another container on the host network has the same names): a taken name must not
// make the spawn fail.
TEST_F(NotifySocketTest, ATakenNameIsReplacedByOneTheKernelPicks) {
    const std::string taken = "supervisord/" + std::to_string(::getpid()) + "/notify/9";
    NotifySocket squatter(taken);
    ASSERT_EQ(squatter.address(), "@" + taken);
    spawn(9, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6325"));
    const std::string address = firstLine();
    EXPECT_NE(address, "@" + taken);
    EXPECT_EQ(address.size(), 6u) << address << ": '@' and the kernel's 5 hex digits";
    ASSERT_EQ(sendNotify(address, "READY=1"), 0);
    ASSERT_TRUE(runUntil([&] { return !events.notified.empty(); }));
    EXPECT_EQ(events.notified[0].text, "READY=1");
    EXPECT_FALSE(squatter.receive()) << "nothing went to the squatter";
    host.closeOutput(9);
}

TEST_F(NotifySocketTest, ADatagramOverFourKibibytesIsDropped) {
    spawn(8, shell("echo \"$NOTIFY_SOCKET\"; exec sleep 6324"));
    const std::string address = firstLine();
    ASSERT_EQ(sendNotify(address, "STATUS=" + std::string(NotifySocket::kMaxDatagram, 'x')), 0);
    const std::string longest = "STATUS=" + std::string(NotifySocket::kMaxDatagram - 7, 'y');
    ASSERT_EQ(sendNotify(address, longest), 0);
    ASSERT_TRUE(runUntil([&] { return !events.notified.empty(); }));
    ASSERT_EQ(events.notified.size(), 1u);
    EXPECT_EQ(events.notified[0].text, longest);
    host.closeOutput(8);
}

}  // namespace
}  // namespace sup::os
