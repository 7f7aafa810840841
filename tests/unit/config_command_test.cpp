// splitCommandLine: shell-like word splitting and quoting, but no shell features.
#include <gtest/gtest.h>

#include <stdexcept>

#include "CommandLine.h"

namespace sup::config {
namespace {

using Argv = std::vector<std::string>;

TEST(ConfigCommandLine, SplitsOnBlanks) {
    EXPECT_EQ(splitCommandLine("/bin/sleep 10"), (Argv{"/bin/sleep", "10"}));
    EXPECT_EQ(splitCommandLine("  a\t b  \n c "), (Argv{"a", "b", "c"}));
    EXPECT_EQ(splitCommandLine("single"), (Argv{"single"}));
    EXPECT_EQ(splitCommandLine(""), Argv{});
    EXPECT_EQ(splitCommandLine("   "), Argv{});
}

TEST(ConfigCommandLine, SingleQuotesKeepEverythingLiterally) {
    EXPECT_EQ(splitCommandLine("echo 'a b  c'"), (Argv{"echo", "a b  c"}));
    EXPECT_EQ(splitCommandLine(R"(echo 'a\nb "c"')"), (Argv{"echo", R"(a\nb "c")"}));
}

TEST(ConfigCommandLine, DoubleQuotesAllowTheFourPosixEscapes) {
    EXPECT_EQ(splitCommandLine(R"(echo "a b")"), (Argv{"echo", "a b"}));
    EXPECT_EQ(splitCommandLine(R"(echo "say \"hi\"")"), (Argv{"echo", R"(say "hi")"}));
    EXPECT_EQ(splitCommandLine(R"(echo "a\\b \$x \`y\`")"), (Argv{"echo", R"(a\b $x `y`)"}));
    // Any other backslash stays, as in sh.
    EXPECT_EQ(splitCommandLine(R"(echo "a\nb")"), (Argv{"echo", R"(a\nb)"}));
    EXPECT_EQ(splitCommandLine("echo \"a\\\nb\""), (Argv{"echo", "ab"}));
}

TEST(ConfigCommandLine, BackslashOutsideQuotesEscapesTheNextCharacter) {
    EXPECT_EQ(splitCommandLine(R"(touch a\ b)"), (Argv{"touch", "a b"}));
    EXPECT_EQ(splitCommandLine(R"(echo \'x\')"), (Argv{"echo", "'x'"}));
    EXPECT_EQ(splitCommandLine("a \\\n b"), (Argv{"a", "b"}));  // a line continuation is no word
}

TEST(ConfigCommandLine, AdjacentPiecesFormOneWordAndEmptyQuotesAnEmptyArgument) {
    EXPECT_EQ(splitCommandLine(R"(--opt="a b"'c d'e)"), (Argv{"--opt=a bc de"}));
    EXPECT_EQ(splitCommandLine(R"(prog "" '' x)"), (Argv{"prog", "", "", "x"}));
}

TEST(ConfigCommandLine, ShellSyntaxIsOrdinaryText) {
    EXPECT_EQ(splitCommandLine("echo a | grep b; rm -rf $(pwd) && x > y &"),
              (Argv{"echo", "a", "|", "grep", "b;", "rm", "-rf", "$(pwd)", "&&", "x", ">", "y", "&"}));
    EXPECT_EQ(splitCommandLine("echo $HOME ~ *.txt # not a comment"),
              (Argv{"echo", "$HOME", "~", "*.txt", "#", "not", "a", "comment"}));
}

TEST(ConfigCommandLine, RejectsUnbalancedQuotesAndATrailingBackslashSayingWhere) {
    auto message = [](const char* text) {
        try {
            splitCommandLine(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("echo 'abc"), "unterminated ' quote at character 6");
    EXPECT_EQ(message(R"(echo "abc)"), "unterminated \" quote at character 6");
    EXPECT_EQ(message(R"(echo "abc\")"), "unterminated \" quote at character 6");
    EXPECT_EQ(message(R"(echo abc\)"), "trailing backslash at character 9");
    EXPECT_EQ(message(R"(echo "it's")"), "no error");
}

}  // namespace
}  // namespace sup::config
