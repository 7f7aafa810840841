// RotatingFile on a real directory: rotation at line boundaries, the backup chain, truncation, over-long
// lines, reopen after an external rename, the file mode, and a failed open or rename that loses nothing.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "os/RotatingFile.h"
#include "os_test_helpers.h"

namespace sup::os::test {
namespace {

bool exists(const std::string& path) {
    return std::filesystem::exists(path);
}

// While alive, every open() of this process fails with EMFILE (even for root): the soft RLIMIT_NOFILE is
// set to the lowest free descriptor. rename() needs no descriptor, so a rotation gets as far as its open.
class NoFreeDescriptors {
  public:
    NoFreeDescriptors() {
        if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw std::runtime_error("getrlimit");
        const int lowestFree = ::dup(STDIN_FILENO);
        if (lowestFree < 0) throw std::runtime_error("dup");
        ::close(lowestFree);
        rlimit tight = saved_;
        tight.rlim_cur = static_cast<rlim_t>(lowestFree);
        if (::setrlimit(RLIMIT_NOFILE, &tight) != 0) throw std::runtime_error("setrlimit");
    }
    ~NoFreeDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    NoFreeDescriptors(const NoFreeDescriptors&) = delete;
    NoFreeDescriptors& operator=(const NoFreeDescriptors&) = delete;

  private:
    rlimit saved_{};
};

std::vector<std::string> numberedLines(int count) {
    std::vector<std::string> lines;
    // Lengths vary (7..25 bytes) so cuts fall in many different places.
    for (int i = 0; i < count; ++i)
        lines.push_back("line " + std::to_string(i) + std::string(static_cast<size_t>(i * 7 % 19), 'x') +
                        "\n");
    return lines;
}

// Writes the lines in chunks of 1..4 lines, as output arrives from a pipe.
std::string writeInChunks(RotatingFile& file, const std::vector<std::string>& lines) {
    std::string all;
    for (size_t i = 0; i < lines.size();) {
        std::string chunk;
        for (size_t n = 0; n < 1 + i % 4 && i < lines.size(); ++n, ++i) chunk += lines[i];
        file.write(chunk);
        all += chunk;
    }
    return all;
}

// Every file must hold whole lines only and stay within maxSize.
void expectWholeLinesWithin(const std::string& path, std::uint64_t maxSize) {
    std::string text = readFile(path);
    EXPECT_FALSE(text.empty()) << path;
    EXPECT_LE(text.size(), maxSize) << path;
    EXPECT_EQ(text.back(), '\n') << path << " ends mid-line";
}

TEST(RotatingFile, RotatesAtLineBoundariesWithoutLosingAnything) {
    TempDir dir;
    const std::string path = dir / "out.log";
    constexpr std::uint64_t kMax = 100;
    RotatingFile file(path, kMax, 100);  // enough backups to keep everything
    std::string all = writeInChunks(file, numberedLines(60));

    std::string joined;
    unsigned backups = 0;
    while (exists(path + "." + std::to_string(backups + 1))) ++backups;
    ASSERT_GE(backups, 5u) << "expected several rotations";
    for (unsigned i = backups; i >= 1; --i) {
        expectWholeLinesWithin(path + "." + std::to_string(i), kMax);
        joined += readFile(path + "." + std::to_string(i));
    }
    expectWholeLinesWithin(path, kMax);
    joined += readFile(path);
    EXPECT_EQ(joined, all);  // oldest in the highest number, nothing lost or duplicated
    EXPECT_EQ(file.size(), readFile(path).size());
}

TEST(RotatingFile, ShiftsBackupsAndDeletesBeyondTheLast) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 10, 2);
    // Each 6-byte line fills a file so the next one cannot fit: one rotation per line.
    file.write("aaaaa\n");
    file.write("bbbbb\n");
    EXPECT_EQ(readFile(path + ".1"), "aaaaa\n");
    EXPECT_EQ(readFile(path), "bbbbb\n");
    file.write("ccccc\n");
    EXPECT_EQ(readFile(path + ".2"), "aaaaa\n");
    EXPECT_EQ(readFile(path + ".1"), "bbbbb\n");
    EXPECT_EQ(readFile(path), "ccccc\n");
    file.write("ddddd\neeeee\n");
    EXPECT_EQ(readFile(path + ".2"), "ccccc\n");
    EXPECT_EQ(readFile(path + ".1"), "ddddd\n");
    EXPECT_EQ(readFile(path), "eeeee\n");
    EXPECT_FALSE(exists(path + ".3"));
}

TEST(RotatingFile, ZeroBackupsTruncatesInPlace) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 20, 0);
    file.write("first line\n");   // 11
    file.write("second line\n");  // 12: does not fit, truncate first
    EXPECT_EQ(readFile(path), "second line\n");
    file.write("3\n");
    EXPECT_EQ(readFile(path), "second line\n3\n");
    EXPECT_EQ(file.size(), 14u);
    EXPECT_FALSE(exists(path + ".1"));
    EXPECT_EQ(std::filesystem::directory_iterator(dir.path())->path().filename(), "out.log");
}

TEST(RotatingFile, OverlongLineGoesWholeIntoAFreshFile) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 20, 5);
    const std::string longLine = std::string(50, 'L') + "\n";
    file.write("short\n");
    file.write(longLine + "after\n");
    EXPECT_EQ(readFile(path + ".1"), longLine);
    EXPECT_EQ(readFile(path + ".2"), "short\n");
    EXPECT_EQ(readFile(path), "after\n");

    // Also when the file is fresh and the long line is the very first thing written.
    TempDir dir2;
    RotatingFile fresh(dir2 / "out.log", 20, 5);
    fresh.write(longLine);
    EXPECT_EQ(readFile(dir2 / "out.log"), longLine);
    EXPECT_FALSE(exists(dir2 / "out.log.1")) << "an empty file was rotated away";
}

TEST(RotatingFile, PartialLineIsKeptWhole) {
    // A write without a trailing newline that does not fit starts the next file rather than splitting.
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 10, 1);
    file.write("1234567\n");
    file.write("abcd");
    EXPECT_EQ(readFile(path + ".1"), "1234567\n");
    EXPECT_EQ(readFile(path), "abcd");
}

TEST(RotatingFile, ContinuesAnExistingFileAndCountsItsSize) {
    TempDir dir;
    const std::string path = dir / "out.log";
    std::ofstream(path) << std::string(15, 'o') << "\n";
    RotatingFile file(path, 20, 1);
    EXPECT_EQ(file.size(), 16u);
    file.write("new line\n");
    EXPECT_EQ(readFile(path + ".1"), std::string(15, 'o') + "\n");
    EXPECT_EQ(readFile(path), "new line\n");
}

TEST(RotatingFile, ZeroMaxSizeNeverRotates) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 0, 3);
    std::string all = writeInChunks(file, numberedLines(200));
    EXPECT_EQ(readFile(path), all);
    EXPECT_FALSE(exists(path + ".1"));
}

TEST(RotatingFile, ReopenAfterExternalRenameCreatesNewFile) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 1000, 3);
    file.write("before\n");
    ASSERT_EQ(::rename(path.c_str(), (dir / "out.log.moved").c_str()), 0);  // as logrotate does
    file.write("still old\n");                                              // the open fd follows the move
    file.reopen();
    EXPECT_EQ(file.size(), 0u);
    file.write("after\n");
    EXPECT_EQ(readFile(dir / "out.log.moved"), "before\nstill old\n");
    EXPECT_EQ(readFile(path), "after\n");
    EXPECT_EQ(file.size(), 6u);
}

TEST(RotatingFile, ExplicitRotate) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 1000, 2);
    file.write("one\n");
    file.rotate();
    EXPECT_EQ(file.size(), 0u);
    file.write("two\n");
    EXPECT_EQ(readFile(path + ".1"), "one\n");
    EXPECT_EQ(readFile(path), "two\n");
}

TEST(RotatingFile, FilesAreCreatedWithMode0640) {
    TempDir dir;
    const std::string path = dir / "out.log";
    mode_t old = ::umask(0);  // so the mode seen is the one asked for, not the test runner's umask
    {
        RotatingFile file(path, 10, 1);
        file.write("123456\n");
        file.write("abcdef\n");  // rotates: the new path is created by rotation
    }
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    ASSERT_EQ(::stat((path + ".1").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(RotatingFile, MissingDirectoryThrowsNamingThePath) {
    const std::string path = "/nonexistent-sup-dir/out.log";
    try {
        RotatingFile file(path, 10, 1);
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

TEST(RotatingFile, FailedReopenKeepsWritingToTheOldFile) {
    TempDir dir;
    const std::string logs = dir / "logs";
    ASSERT_TRUE(std::filesystem::create_directory(logs));
    const std::string path = logs + "/out.log";
    RotatingFile file(path, 1000, 3);
    file.write("before\n");
    // The directory is moved away and a regular file takes its name: opening below it fails with
    // ENOTDIR (root too), while the open descriptor follows the move.
    ASSERT_EQ(::rename(logs.c_str(), (dir / "moved").c_str()), 0);
    std::ofstream(logs) << "not a directory\n";
    EXPECT_THROW(file.reopen(), std::system_error);
    EXPECT_NO_THROW(file.write("kept\n"));
    EXPECT_EQ(readFile(dir / "moved/out.log"), "before\nkept\n");

    // Once the cause is gone, the next reopen (the operator's next SIGUSR1) gets the new file.
    std::filesystem::remove(logs);
    ASSERT_TRUE(std::filesystem::create_directory(logs));
    file.reopen();
    file.write("after\n");
    EXPECT_EQ(readFile(path), "after\n");
    EXPECT_EQ(file.size(), 6u);
    EXPECT_EQ(readFile(dir / "moved/out.log"), "before\nkept\n");
}

TEST(RotatingFile, RotationThatCannotOpenTheNewFileKeepsWritingToTheRotatedOne) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 10, 2);
    file.write("aaaaa\n");
    {
        NoFreeDescriptors noFds;
        // Does not fit: out.log becomes out.log.1, then opening a new out.log fails.
        EXPECT_NO_THROW(file.write("bbbbb\n"));
        EXPECT_NO_THROW(file.write("ccccc\n"));
    }
    EXPECT_EQ(readFile(path + ".1"), "aaaaa\nbbbbb\nccccc\n") << "the lines after the failed open are lost";
    EXPECT_FALSE(exists(path + ".2")) << "the file still written to was rotated again";

    file.reopen();  // succeeds now
    file.write("ddddd\n");
    EXPECT_EQ(readFile(path), "ddddd\n");
    EXPECT_EQ(readFile(path + ".1"), "aaaaa\nbbbbb\nccccc\n");
}

// (The failures below are made without NoFreeDescriptors: with no descriptor left, the sanitizers' own
// checks of the report callback's virtual calls fail.)
TEST(RotatingFile, AFailedRotationIsRetriedByWritesAtMostOncePerIntervalAndReportedOncePerEpisode) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 10, 1);
    std::vector<std::string> reports;
    file.setReport([&](const std::system_error* e) { reports.push_back(e ? e->what() : "recovered"); });
    file.setRetryInterval(std::chrono::hours(1));
    std::filesystem::create_directories(path + ".1/blocker");  // rename(out.log, out.log.1): EISDIR
    file.write("aaaaa\n");
    file.write("bbbbb\n");
    EXPECT_TRUE(file.troubled());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("rename " + path + " to " + path + ".1"), std::string::npos) << reports[0];

    file.setRetryInterval(std::chrono::milliseconds(0));
    file.write("ccccc\n");  // retried and failed again: the same episode, no second report
    EXPECT_EQ(reports.size(), 1u);

    std::filesystem::remove_all(path + ".1");
    file.setRetryInterval(std::chrono::hours(1));
    file.write("ddddd\n");  // the cause is gone, but the retry is not due yet
    EXPECT_FALSE(exists(path + ".1"));
    EXPECT_EQ(readFile(path), "aaaaa\nbbbbb\nccccc\nddddd\n");

    file.setRetryInterval(std::chrono::milliseconds(0));
    file.write("eeeee\n");  // retried and succeeded
    EXPECT_FALSE(file.troubled());
    EXPECT_EQ(readFile(path + ".1"), "aaaaa\nbbbbb\nccccc\nddddd\n");
    EXPECT_EQ(readFile(path), "eeeee\n");
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1], "recovered");
}

TEST(RotatingFile, AFailedReopenIsRetriedByWritesAsAnOpen) {
    TempDir dir;
    const std::string logs = dir / "logs";
    ASSERT_TRUE(std::filesystem::create_directory(logs));
    const std::string path = logs + "/out.log";
    RotatingFile file(path, 10, 1);
    std::vector<std::string> reports;
    file.setReport([&](const std::system_error* e) { reports.push_back(e ? e->what() : "recovered"); });
    file.setRetryInterval(std::chrono::hours(1));
    file.write("aaaaa\n");
    ASSERT_EQ(::rename(logs.c_str(), (dir / "moved").c_str()), 0);
    std::ofstream(logs) << "not a directory\n";
    EXPECT_THROW(file.reopen(), std::system_error);
    EXPECT_TRUE(reports.empty()) << "reopen() throws; the caller reports it";

    std::filesystem::remove(logs);
    ASSERT_TRUE(std::filesystem::create_directory(logs));
    file.write("bbbbb\n");  // not due yet: to the old file, past max_size, and no rotation
    EXPECT_EQ(readFile(dir / "moved/out.log"), "aaaaa\nbbbbb\n");
    EXPECT_FALSE(exists(dir / "moved/out.log.1"));

    file.setRetryInterval(std::chrono::milliseconds(0));
    file.write("ccccc\n");  // retried: an open of the new path, not a rotation
    EXPECT_FALSE(file.troubled());
    EXPECT_EQ(readFile(path), "ccccc\n");
    EXPECT_EQ(readFile(dir / "moved/out.log"), "aaaaa\nbbbbb\n");
    EXPECT_FALSE(exists(path + ".1"));
    EXPECT_EQ(reports, std::vector<std::string>{"recovered"});
}

TEST(RotatingFile, CreatesMissingDirectoriesWhenAskedAtEveryOpen) {
    TempDir dir;
    const std::string path = dir / "a/b/out.log";
    mode_t old = ::umask(0);
    std::optional<RotatingFile> file;
    EXPECT_NO_THROW(file.emplace(path, 1000, 1, true));
    ::umask(old);
    ASSERT_TRUE(file);
    struct stat st {};
    ASSERT_EQ(::stat((dir / "a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    std::filesystem::remove_all(dir / "a");
    file->reopen();  // the directory is made again
    file->write("x\n");
    EXPECT_EQ(readFile(path), "x\n");
}

TEST(RotatingFile, RotationThatCannotRenameKeepsEverythingInTheCurrentFile) {
    TempDir dir;
    const std::string path = dir / "out.log";
    RotatingFile file(path, 10, 1);
    // rename(out.log, out.log.1) fails with EISDIR (root too): out.log.1 is a non-empty directory.
    std::filesystem::create_directories(path + ".1/blocker");
    file.write("aaaaa\n");
    EXPECT_NO_THROW(file.write("bbbbb\nccccc\n"));
    EXPECT_EQ(readFile(path), "aaaaa\nbbbbb\nccccc\n");

    std::filesystem::remove_all(path + ".1");
    file.reopen();  // also clears the failed rotation: the next write that does not fit rotates
    file.write("ddddd\n");
    EXPECT_EQ(readFile(path + ".1"), "aaaaa\nbbbbb\nccccc\n");
    EXPECT_EQ(readFile(path), "ddddd\n");
}

}  // namespace
}  // namespace sup::os::test
