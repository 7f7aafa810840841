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
        "\t; indented comment\n"
        "EMPTY=\n"
        "lower_case9=x\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(c.variables, (Vars{{"A", "1"}, {"B", "two words"}, {"EMPTY", ""}, {"lower_case9", "x"}}));
}

TEST(ConfigEnvironmentFile, UnderstandsQuotesEscapesAndContinuations) {
    auto c = parseEnvironmentFile(
        "S='single $HOME \\n'\n"
        "D=\"double \\\"q\\\" \\\\ \\$x\"\n"
        "U=a\\ b\\#c\n"
        "M=\"line1\nline2\"\n"
        "CONT=abc\\\ndef\n"
        "MIX=pre'fix'\"post\"\n"
        "APOS=it's\n"
        "HASH=a#b\n"
        "CRLF=v\r\n"
        "LAST=no newline");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front().message;
    EXPECT_EQ(c.variables, (Vars{{"S", "single $HOME \\n"},
                                 {"D", "double \"q\" \\ $x"},
                                 {"U", "a b#c"},
                                 {"M", "line1\nline2"},
                                 {"CONT", "abcdef"},
                                 {"MIX", "pre'fix'\"post\""},
                                 {"APOS", "it's"},
                                 {"HASH", "a#b"},
                                 {"CRLF", "v"},
                                 {"LAST", "no newline"}}));
}

// The table below is systemd's parse_env_file_internal() (src/basic/env-file.c) traced by hand: quotes
// open only where a value (or the rest of it after a closing quote) starts, and are literal in a bare part.
TEST(ConfigEnvironmentFile, FollowsSystemdWhereQuotesAndEscapesAreSpecial) {
    auto c = parseEnvironmentFile(
        "JOIN='a' \"b\"c\n"       // quoted parts join, blanks between them skipped, then a bare part
        "BARE=a \"b c\"  \n"      // quotes inside a bare part are literal, trailing blanks dropped
        "DQ=\"keep \\n \\a\"\n"   // unknown escapes in double quotes keep their backslash
        "SQ='no \\escape'\n"      // nothing is special between single quotes
        "LEAD=\\'x'\n"            // an escaped quote starts a bare part
        "TRAIL=a\\ \n"            // an escaped blank is kept
        "DQCONT=\"a\\\nb\"\n"     // backslash-newline inside double quotes is eaten
        "HASH= #not a comment\n"  // '#' is a comment only at the start of a line
        "CR=a\rNEXT=b\n"          // '\r' alone ends a line too
        "  KEYSPACE  =  v\n");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front().message;
    EXPECT_EQ(c.variables, (Vars{{"JOIN", "abc"},
                                 {"BARE", "a \"b c\""},
                                 {"DQ", "keep \\n \\a"},
                                 {"SQ", "no \\escape"},
                                 {"LEAD", "'x'"},
                                 {"TRAIL", "a "},
                                 {"DQCONT", "ab"},
                                 {"HASH", "#not a comment"},
                                 {"CR", "a"},
                                 {"NEXT", "b"},
                                 {"KEYSPACE", "v"}}));
}

TEST(ConfigEnvironmentFile, RefusesWhatSystemdWouldSilentlyDropOrMisread) {
    auto c = parseEnvironmentFile(
        "export A=1\n"
        "# trailing backslash \\\n"
        "B=2\n");
    ASSERT_EQ(c.problems.size(), 2u);
    EXPECT_EQ(c.problems[0].line, 1);
    EXPECT_NE(c.problems[0].message.find("'export' is not understood"), std::string::npos);
    EXPECT_NE(c.problems[0].message.find("write A=..."), std::string::npos);
    EXPECT_EQ(c.problems[1].line, 2);
    EXPECT_NE(c.problems[1].message.find("comment ending in '\\'"), std::string::npos);
    EXPECT_EQ(c.variables, (Vars{{"B", "2"}}));

    auto utf8 = parseEnvironmentFile("BAD=\xff\xfe\nGOOD=\xc3\xa9\n");
    ASSERT_EQ(utf8.problems.size(), 1u);
    EXPECT_NE(utf8.problems[0].message.find("not valid UTF-8"), std::string::npos);
    EXPECT_EQ(utf8.variables, (Vars{{"GOOD", "\xc3\xa9"}}));
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
    EXPECT_NE(c.problems[3].message.find("quote never closed"), std::string::npos);
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
