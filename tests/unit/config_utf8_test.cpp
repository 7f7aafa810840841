// UTF-8 checking and repair, and the config refusing values that are not valid UTF-8 (they would
// end up in D-Bus strings, which must be) with file:line:column.
#include <gtest/gtest.h>

#include <string>

#include "ConfigError.h"
#include "ConfigLoader.h"
#include "Utf8.h"

namespace {

using namespace sup;

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextPassesUnchanged) {
    for (const std::string text :
         {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_TRUE(utf8::isValid(text)) << text;
        EXPECT_EQ(utf8::repaired(text), text);
    }
}

TEST(Utf8, IllFormedSequencesBecomeOneReplacementEach) {
    EXPECT_EQ(utf8::firstInvalid("ok\xFF"), 2u);
    EXPECT_EQ(utf8::repaired("a\xFF"
                             "b"),
              "a" + kReplacement + "b");
    EXPECT_EQ(utf8::repaired(std::string("a\0b", 3)), "a" + kReplacement + "b");            // NUL
    EXPECT_EQ(utf8::repaired("\xC0\xAF"), kReplacement + kReplacement);                     // overlong '/'
    EXPECT_EQ(utf8::repaired("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
    EXPECT_EQ(utf8::repaired("\xE2\x82"
                             "x"),
              kReplacement + "x");  // truncated: one replacement
    EXPECT_EQ(utf8::repaired("\xF4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement);
    EXPECT_EQ(utf8::repaired("end\xF0\x9F\x98"), "end" + kReplacement);
    EXPECT_TRUE(utf8::isValid(utf8::repaired("\xFF\xFE\x00\x80\xC3")));
}

std::string configErrorOf(const std::string& yaml) {
    try {
        config::loadString(yaml, "bad.yaml");
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ConfigUtf8, ValuesAndKeysThatAreNotUtf8AreRefusedWithTheirPlace) {
    const std::string value = configErrorOf("services:\n  web:\n    command: [/bin/echo, \"a\xFF\"]\n");
    EXPECT_NE(
        value.find("bad.yaml:3:26: services.web.command[1]: not valid UTF-8 text (byte 0xFF at offset 1)"),
        std::string::npos)
        << value;

    const std::string env =
        configErrorOf("services:\n  web:\n    command: [/bin/true]\n    environment:\n      A: \"\xC3(\"\n");
    EXPECT_NE(env.find("bad.yaml:5:10: services.web.environment.A: not valid UTF-8"), std::string::npos)
        << env;
    EXPECT_NE(env.find("byte 0xC3"), std::string::npos) << env;

    const std::string key = configErrorOf("services:\n  w\xFF:\n    command: [/bin/true]\n");
    EXPECT_NE(key.find("bad.yaml:2:3: services: not valid UTF-8 text (byte 0xFF at offset 1)"),
              std::string::npos)
        << key;

    EXPECT_EQ(configErrorOf("services:\n  web:\n    command: [/bin/echo, \"caf\xC3\xA9\"]\n"), "");
}

}  // namespace
