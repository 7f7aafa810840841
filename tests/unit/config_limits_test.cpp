// The limits on one configuration file (size, nesting, alias expansion): hostile or broken input is
// refused with a located error, quickly, and ordinary YAML that merely looks deep is not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ConfigLoader.h"
#include "DocumentLimits.h"

namespace sup::config {
namespace {

namespace fs = std::filesystem;

std::string errorOf(const std::string& yaml) {
    try {
        loadString(yaml, "bad.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const std::string kTooDeep = "nesting deeper than 64 levels (the limit for a configuration file)";

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

TEST(ConfigLimits, AFileOverTheSizeLimitIsRefusedUnparsed) {
    std::string text = "services: {}\n";
    while (text.size() <= kMaxConfigFileBytes) text += "# padding padding padding padding padding\n";
    EXPECT_EQ(errorOf(text), "bad.yaml: file is larger than 4 MiB (the limit for a configuration file)");
}

TEST(ConfigLimits, AFileOverTheSizeLimitOnDiskIsReportedByNameAmongTheOthers) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/supconfig-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    const fs::path dir = pattern;
    std::ofstream(dir / "a.yaml") << "services:\n  web:\n    command: [/bin/true]\n";
    {
        std::ofstream big(dir / "b.yaml");
        big << "services: {}\n";
        for (std::size_t n = 0; n <= kMaxConfigFileBytes; n += 64) big << "#" << std::string(62, 'x') << "\n";
    }
    std::string error;
    try {
        load(dir.string());
    } catch (const ConfigError& e) {
        error = e.what();
    }
    fs::remove_all(dir);
    EXPECT_EQ(error,
              (dir / "b.yaml").string() + ": file is larger than 4 MiB (the limit for a configuration file)");
}

TEST(ConfigLimits, DeepFlowNestingIsRefusedWhereItCrossesTheLimitNotAsASyntaxError) {
    // The top-level map is one level, so the 64th bracket (column 11 + 63) is the 65th level.
    EXPECT_EQ(errorOf("services: " + std::string(100000, '[') + std::string(100000, ']') + "\n"),
              "bad.yaml:1:74: " + kTooDeep);
    EXPECT_EQ(errorOf("services: " + repeat("{a: ", 100) + "\n"), "bad.yaml:1:263: " + kTooDeep);
    // An anchor or a tag before the brackets hides none of them.
    EXPECT_EQ(errorOf("services: &x " + std::string(100, '[') + "\n"), "bad.yaml:1:77: " + kTooDeep);
    // Just under the limit, the file is judged on its content.
    EXPECT_FALSE(has(errorOf("services: " + std::string(63, '[') + std::string(63, ']') + "\n"), "nesting"));
}

TEST(ConfigLimits, DeepBlockNestingIsRefused) {
    // Lists in lists on one line: the third line starts at depth 3 and each further `- ` adds one.
    EXPECT_EQ(errorOf("services:\n  web:\n    " + repeat("- ", 100000) + "x\n"),
              "bad.yaml:3:129: " + kTooDeep);
    // Maps in maps, one indentation step per line.
    std::string maps;
    for (int i = 0; i < 100; ++i) maps += std::string(i, ' ') + "k" + std::to_string(i) + ":\n";
    EXPECT_EQ(errorOf(maps), "bad.yaml:65:65: " + kTooDeep);
    // A flow collection inside deep block levels counts both.
    std::string mixed;
    for (int i = 0; i < 40; ++i) mixed += std::string(i, ' ') + "k:\n";
    mixed += std::string(40, ' ') + std::string(30, '[') + "\n";
    EXPECT_TRUE(has(errorOf(mixed), "bad.yaml:41:64: " + kTooDeep));
}

TEST(ConfigLimits, BracketsInScalarsAndCommentsAreNotNesting) {
    const std::string brackets = std::string(200, '[') + std::string(200, '{') + repeat("- ", 100);
    const std::string service = "services:\n  web:\n    command: ";
    EXPECT_EQ(errorOf(service + "[/bin/echo, '" + brackets + "', \"" + brackets + "\"]\n"), "");
    EXPECT_EQ(errorOf(service + "/bin/echo " + brackets + "\n"), "");
    EXPECT_EQ(errorOf(service + "/bin/true  # " + brackets + "\n"), "");
    EXPECT_EQ(errorOf(service + ">\n      /bin/echo\n      " + brackets + "\n      " + brackets + "\n"), "");
    EXPECT_EQ(errorOf(service + "\"/bin/echo\n      " + brackets + "\"\n"), "");
}

// yaml-cpp's LoadAll never returns on these (a null document per turn, memory growing without bound).
TEST(ConfigLimits, AStrayTokenWhereADocumentStartsIsASyntaxErrorNotAHang) {
    EXPECT_EQ(errorOf(","), "bad.yaml:1:1: YAML syntax error: unexpected ','");
    EXPECT_EQ(errorOf("  , backoff: {initial: 2s}}\n"), "bad.yaml:1:3: YAML syntax error: unexpected ','");
    EXPECT_TRUE(has(errorOf("services: {}\n---\n,\n"), "bad.yaml:3:1: only one YAML document per file"));
}

// The "billion laughs": each level names the previous one ten times.
std::string aliasBomb(int levels) {
    std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < levels; ++i) {
        const std::string prev = "*l" + std::to_string(i - 1);
        yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + repeat(prev + ", ", 9) + prev +
                "]\n";
    }
    return yaml + "services: {web: {command: [/bin/true], environment: *l" + std::to_string(levels - 1) +
           "}}\n";
}

TEST(ConfigLimits, AliasExpansionOverTheBudgetIsRefusedQuickly) {
    const auto start = std::chrono::steady_clock::now();
    const std::string error = errorOf(aliasBomb(9));  // 10^9 nodes once expanded
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_TRUE(has(error, "bad.yaml:"));
    EXPECT_TRUE(has(error, ": aliases expand to more than 100000 nodes (the limit for a configuration file)"))
        << error;
    EXPECT_FALSE(has(error, "unknown top-level key"));  // nothing else of the file is read
}

// Found by fuzzing: yaml-cpp builds an alias inside the node it names as a cycle, and the walk that
// counts aliased nodes recursed into it until the stack overflowed.
TEST(ConfigLimits, AnAliasInsideTheNodeItNamesIsRefused) {
    EXPECT_EQ(errorOf("services:\n  web: {command: [/bin/true], environment: &env {A: *env}}\n"),
              "bad.yaml:2:50: aliases nest deeper than 256 levels (the limit for a configuration file)");
    EXPECT_TRUE(has(errorOf("a: &x [*x]\n"), "aliases nest deeper than 256 levels"));
}

TEST(ConfigLimits, OrdinaryAliasesAreAccepted) {
    EXPECT_EQ(errorOf("services:\n"
                      "  web: &web {command: [/bin/true], environment: &env {A: '1', B: '2'}}\n"
                      "  api: {command: [/bin/true], environment: *env}\n"
                      "  api2: *web\n"),
              "");
    // 10^4 aliased nodes: under the budget.
    EXPECT_TRUE(has(errorOf(aliasBomb(4)), "unknown top-level key 'l0'"));
}

}  // namespace
}  // namespace sup::config
