// LockFile: one holder per path, the holder's PID in the file and in the error, released at death.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "os/LockFile.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

// A child that holds the lock on `path` until told to go. Its death releases the lock.
class LockHoldingChild {
  public:
    explicit LockHoldingChild(const std::string& path) {
        int ready[2], hold[2];
        if (::pipe2(ready, O_CLOEXEC) < 0 || ::pipe2(hold, O_CLOEXEC) < 0) throw std::runtime_error("pipe2");
        UniqueFd readyRead(ready[0]), readyWrite(ready[1]), holdRead(hold[0]);
        holdWrite_.reset(hold[1]);
        pid_ = forkChild([&] {
            holdWrite_.reset();
            try {
                LockFile lock = LockFile::acquire(path);
                char ok = 'k';
                if (::write(readyWrite.get(), &ok, 1) != 1) return 2;
                char c;
                (void)::read(holdRead.get(), &c, 1);  // EOF when the test lets go
                return 0;
            } catch (...) {
                return 1;
            }
        });
        readyWrite.reset();
        char c = 0;
        acquired_ = readableWithin(readyRead.get(), static_cast<int>(kDeadline / 1ms)) &&
                    ::read(readyRead.get(), &c, 1) == 1 && c == 'k';
    }
    ~LockHoldingChild() { release(); }

    // Lets the child exit and reaps it; true when it exited cleanly.
    bool release() {
        if (pid_ < 0) return false;
        holdWrite_.reset();
        auto end = waitForChild(pid_);
        pid_ = -1;
        return end && WIFEXITED(end->status) && WEXITSTATUS(end->status) == 0;
    }

    pid_t pid() const { return pid_; }
    bool acquired() const { return acquired_; }

  private:
    pid_t pid_ = -1;
    bool acquired_ = false;
    UniqueFd holdWrite_;
};

TEST(LockFile, CreatesParentDirectoriesAndWritesOurPid) {
    TempDir dir;
    const std::string path = dir / "a/b/lock";
    LockFile lock = LockFile::acquire(path);
    EXPECT_EQ(lock.path(), path);
    EXPECT_EQ(readFile(path), std::to_string(::getpid()) + "\n");
    struct stat st {};
    ASSERT_EQ(::stat((dir / "a/b").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(LockFile, SecondAcquireThrowsNamingTheHolder) {
    TempDir dir;
    const std::string path = dir / "lock";
    LockHoldingChild holder(path);
    ASSERT_TRUE(holder.acquired());
    pid_t holderPid = holder.pid();

    try {
        LockFile second = LockFile::acquire(path);
        FAIL() << "second acquire succeeded";
    } catch (const LockHeld& e) {
        EXPECT_EQ(e.holder, holderPid);
        std::string what = e.what();
        EXPECT_NE(what.find("PID " + std::to_string(holderPid)), std::string::npos) << what;
        EXPECT_NE(what.find(path), std::string::npos) << what;
    }
    // The failed attempt must not have disturbed the holder's record.
    EXPECT_EQ(readFile(path), std::to_string(holderPid) + "\n");

    ASSERT_TRUE(holder.release());
    // The kernel dropped the lock with its holder: no stale lock, and the file now names us.
    LockFile mine = LockFile::acquire(path);
    EXPECT_EQ(readFile(path), std::to_string(::getpid()) + "\n");
}

TEST(LockFile, HeldWithinTheSameProcessToo) {
    TempDir dir;
    const std::string path = dir / "lock";
    LockFile first = LockFile::acquire(path);
    EXPECT_THROW(LockFile::acquire(path), LockHeld);
}

TEST(LockFile, LongerStalePidIsReplacedWhole) {
    TempDir dir;
    const std::string path = dir / "lock";
    std::ofstream(path) << "999999999999\n";  // left by a dead predecessor, longer than our PID
    LockFile lock = LockFile::acquire(path);
    EXPECT_EQ(readFile(path), std::to_string(::getpid()) + "\n");
}

}  // namespace
}  // namespace sup::os::test
