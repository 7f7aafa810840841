// Strings the daemon sends over D-Bus must be valid UTF-8 without NUL, or sd-bus refuses the whole
// reply: the bus repairs whatever reaches it (U+FFFD), in dictionaries, properties and error messages.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "bus/BusErrors.h"
#include "bus/BusText.h"
#include "bus/ProcessDict.h"

namespace {

using namespace sup;

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(BusText, AProcessDictWithBadBytesStillSerializes) {
    ProcessInfo info;
    info.name = "web";
    info.group = "web";
    info.reason = "exited with \xFF\xFE";
    info.spawnError = std::string("exec: \0 bad", 11);
    info.command = "/bin/echo \xC3";
    bus::ProcessDict d;
    ASSERT_NO_THROW(d = bus::toProcessDict(info));  // sd-bus throws on an invalid `s`
    EXPECT_EQ(d.at("reason").get<std::string>(), "exited with " + kReplacement + kReplacement);
    EXPECT_EQ(d.at("spawn_error").get<std::string>(), "exec: " + kReplacement + " bad");
    EXPECT_EQ(d.at("command").get<std::string>(), "/bin/echo " + kReplacement);
}

TEST(BusText, ErrorMessagesAreRepaired) {
    sdbus::Error e = bus::toBusError(std::make_exception_ptr(std::runtime_error("no \xFF here")));
    EXPECT_EQ(e.getMessage(), "no " + kReplacement + " here");
}

}  // namespace
