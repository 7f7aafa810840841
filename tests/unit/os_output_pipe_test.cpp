// OutputPipe and readSome: a non-blocking read end that tells "nothing now" from "every writer is gone".
#include <gtest/gtest.h>

#include "os/OutputPipe.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

TEST(OutputPipe, ReadEndNonBlockingWriteEndBlockingBothCloexec) {
    OutputPipe pipe = OutputPipe::create();
    EXPECT_TRUE(::fcntl(pipe.readEnd.get(), F_GETFL) & O_NONBLOCK);
    EXPECT_FALSE(::fcntl(pipe.writeEnd.get(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(pipe.readEnd.get(), F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(::fcntl(pipe.writeEnd.get(), F_GETFD) & FD_CLOEXEC);
    int size = ::fcntl(pipe.readEnd.get(), F_GETPIPE_SZ);
    EXPECT_GE(size, 64 * 1024);
    if (::geteuid() == 0) {
        EXPECT_EQ(size, 256 * 1024);  // root is never refused the larger buffer
    }
}

TEST(OutputPipe, ReadSomeReportsWouldBlockDataAndEof) {
    OutputPipe pipe = OutputPipe::create();
    std::string out = "kept:";

    ReadResult r = readSome(pipe.readEnd.get(), out, 16);
    EXPECT_TRUE(r.wouldBlock);
    EXPECT_FALSE(r.eof);
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_EQ(out, "kept:");

    ASSERT_EQ(::write(pipe.writeEnd.get(), "hello", 5), 5);
    r = readSome(pipe.readEnd.get(), out, 3);  // at most max, appended
    EXPECT_EQ(r.bytes, 3u);
    EXPECT_FALSE(r.eof);
    EXPECT_FALSE(r.wouldBlock);
    EXPECT_EQ(out, "kept:hel");
    r = readSome(pipe.readEnd.get(), out, 100);
    EXPECT_EQ(r.bytes, 2u);
    EXPECT_EQ(out, "kept:hello");

    r = readSome(pipe.readEnd.get(), out, 100);
    EXPECT_TRUE(r.wouldBlock);  // writer still open, nothing buffered
    EXPECT_FALSE(r.eof);

    ASSERT_EQ(::write(pipe.writeEnd.get(), "!", 1), 1);
    pipe.writeEnd.reset();
    r = readSome(pipe.readEnd.get(), out, 100);  // buffered data comes before EOF
    EXPECT_EQ(r.bytes, 1u);
    EXPECT_FALSE(r.eof);
    r = readSome(pipe.readEnd.get(), out, 100);
    EXPECT_TRUE(r.eof);
    EXPECT_FALSE(r.wouldBlock);
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_EQ(out, "kept:hello!");
}

TEST(OutputPipe, ReadSomeWithZeroMaxReadsNothing) {
    OutputPipe pipe = OutputPipe::create();
    ASSERT_EQ(::write(pipe.writeEnd.get(), "x", 1), 1);
    std::string out;
    ReadResult r = readSome(pipe.readEnd.get(), out, 0);
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_FALSE(r.eof);
    EXPECT_TRUE(out.empty());
}

TEST(OutputPipe, ReadSomeOnABadFdThrows) {
    std::string out = "x";
    EXPECT_THROW(readSome(-1, out, 10), std::system_error);
    EXPECT_EQ(out, "x");
}

TEST(OutputPipe, EofOnlyAfterEveryWriterCloses) {
    // A child holding a copy of the write end keeps the pipe open after the parent's copy is closed.
    OutputPipe pipe = OutputPipe::create();
    int hold[2];
    ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
    UniqueFd holdRead(hold[0]), holdWrite(hold[1]);
    pid_t pid = forkChild([&] {
        holdWrite.reset();
        char c;
        (void)::read(holdRead.get(), &c, 1);
        return ::write(pipe.writeEnd.get(), "bye\n", 4) == 4 ? 0 : 1;
    });
    holdRead.reset();
    pipe.writeEnd.reset();
    std::string out;
    EXPECT_TRUE(readSome(pipe.readEnd.get(), out, 100).wouldBlock);
    holdWrite.reset();  // let the child write and exit
    EXPECT_EQ(readUntilEof(pipe.readEnd.get()), "bye\n");
    auto end = waitForChild(pid);
    ASSERT_TRUE(end);
    EXPECT_EQ(WEXITSTATUS(end->status), 0);
}

}  // namespace
}  // namespace sup::os::test
