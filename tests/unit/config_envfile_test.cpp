// parseEnvironmentFile: systemd EnvironmentFile= syntax.
#include <gtest/gtest.h>

#include "EnvironmentFile.h"

namespace sup::config {
namespace {

using Vars = std::vector<std::pair<std::string, std::string>>;

TEST(ConfigEnvironmentFile, ReadsAssignmentsSkippingCommentsAndBlankLines) {
    auto c = parseEnvironmentFile(
        "# a comment\n"
        "; another\n"
        "\n"
        "   \n"
        "A=1\n"
        "  B = two words  \n"
        "export C=3\n"
        "EMPTY=\n"
        "lower_case9=x\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(c.variables,
              (Vars{{"A", "1"}, {"B", "two words"}, {"C", "3"}, {"EMPTY", ""}, {"lower_case9", "x"}}));
}

TEST(ConfigEnvironmentFile, UnderstandsQuotesEscapesAndContinuations) {
    auto c = parseEnvironmentFile(
        "S='single $HOME \\n'\n"
        "D=\"double \\\"q\\\" \\\\ \\$x\"\n"
        "U=a\\ b\\#c\n"
        "M=\"line1\nline2\"\n"
        "CONT=abc\\\ndef\n"
        "MIX=pre'fix'\"post\"\n"
        "HASH=a#b\n"
        "CRLF=v\r\n"
        "LAST=no newline");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front().message;
    EXPECT_EQ(c.variables, (Vars{{"S", "single $HOME \\n"},
                                 {"D", "double \"q\" \\ $x"},
                                 {"U", "a b#c"},
                                 {"M", "line1\nline2"},
                                 {"CONT", "abcdef"},
                                 {"MIX", "prefixpost"},
                                 {"HASH", "a#b"},
                                 {"CRLF", "v"},
                                 {"LAST", "no newline"}}));
}

TEST(ConfigEnvironmentFile, KeepsDuplicatesInOrderSoTheLastOneWins) {
    auto c = parseEnvironmentFile("A=1\nA=2\n");
    EXPECT_EQ(c.variables, (Vars{{"A", "1"}, {"A", "2"}}));
}

TEST(ConfigEnvironmentFile, ReportsBadLinesWithLineAndColumnAndKeepsTheGoodOnes) {
    auto c = parseEnvironmentFile(
        "GOOD=1\n"
        "no equals sign\n"
        "  1BAD=x\n"
        "BAD-NAME=y\n"
        "Q=\"never closed\n"
        "AFTER=2\n");
    ASSERT_EQ(c.problems.size(), 4u);
    EXPECT_EQ(c.problems[0].line, 2);
    EXPECT_EQ(c.problems[0].column, 1);
    EXPECT_NE(c.problems[0].message.find("expected KEY=VALUE"), std::string::npos);
    EXPECT_EQ(c.problems[1].line, 3);
    EXPECT_EQ(c.problems[1].column, 3);
    EXPECT_NE(c.problems[1].message.find("'1BAD' is not a variable name"), std::string::npos);
    EXPECT_EQ(c.problems[2].line, 4);
    EXPECT_EQ(c.problems[3].line, 5);
    EXPECT_EQ(c.problems[3].column, 3);
    EXPECT_NE(c.problems[3].message.find("unterminated \" quote"), std::string::npos);
    // The unterminated quote swallows the rest of the file, as it would in systemd.
    EXPECT_EQ(c.variables, (Vars{{"GOOD", "1"}}));
}

TEST(ConfigEnvironmentFile, ExportAloneIsAKeyNotAPrefix) {
    auto c = parseEnvironmentFile("export=1\nexporter=2\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(c.variables, (Vars{{"export", "1"}, {"exporter", "2"}}));
}

TEST(ConfigEnvironmentFile, AnEmptyFileHasNothing) {
    auto c = parseEnvironmentFile("");
    EXPECT_TRUE(c.variables.empty());
    EXPECT_TRUE(c.problems.empty());
}

}  // namespace
}  // namespace sup::config
