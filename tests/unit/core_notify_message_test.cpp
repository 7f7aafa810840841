// parseNotifyMessage: the sd_notify(3) datagram format, as systemd reads it.
#include <gtest/gtest.h>

#include <string>

#include "core/NotifyMessage.h"

namespace {

using namespace sup;
using namespace std::chrono_literals;

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(NotifyMessage, ReadsEveryFlag) {
    auto m = parseNotifyMessage("READY=1\nRELOADING=1\nSTOPPING=1\nWATCHDOG=1\nBARRIER=1\n");
    EXPECT_TRUE(m.ready);
    EXPECT_TRUE(m.reloading);
    EXPECT_TRUE(m.stopping);
    EXPECT_TRUE(m.watchdogPing);
    EXPECT_FALSE(m.watchdogTrigger);
    EXPECT_TRUE(m.barrier);
    EXPECT_FALSE(m.status);
    EXPECT_FALSE(m.errnoValue);
    EXPECT_FALSE(m.watchdogTimeout);
    EXPECT_FALSE(m.extendTimeout);
    EXPECT_FALSE(m.mainPid);

    auto trigger = parseNotifyMessage("WATCHDOG=trigger");
    EXPECT_TRUE(trigger.watchdogTrigger);
    EXPECT_FALSE(trigger.watchdogPing);
}

TEST(NotifyMessage, FlagsOnlyWithTheirExactValue) {
    auto m =
        parseNotifyMessage("READY=0\nRELOADING=yes\nSTOPPING=\nWATCHDOG=2\nBARRIER=11\nREADY= 1\nready=1");
    EXPECT_FALSE(m.ready);
    EXPECT_FALSE(m.reloading);
    EXPECT_FALSE(m.stopping);
    EXPECT_FALSE(m.watchdogPing);
    EXPECT_FALSE(m.watchdogTrigger);
    EXPECT_FALSE(m.barrier);
}

TEST(NotifyMessage, EmptyAndMalformedLinesAndUnknownKeysAreSkipped) {
    auto m = parseNotifyMessage("\n\nno equals sign\n=1\nFDSTORE=1\nX_CUSTOM=whatever\nREADY=1");
    EXPECT_TRUE(m.ready);
    EXPECT_FALSE(m.status);
    EXPECT_FALSE(parseNotifyMessage("").ready);
    // A missing final newline and a trailing one read the same.
    EXPECT_TRUE(parseNotifyMessage("READY=1\n").ready);
}

TEST(NotifyMessage, ADatagramWithANulIsDroppedWhole) {
    auto m = parseNotifyMessage(std::string("READY=1\nSTATUS=a\0b", 18));
    EXPECT_FALSE(m.ready);
    EXPECT_FALSE(m.status);
}

TEST(NotifyMessage, StatusIsKeptAsSentWhenEmptyToo) {
    EXPECT_EQ(parseNotifyMessage("STATUS=Listening on :8080 = ready\nREADY=1").status,
              "Listening on :8080 = ready");
    // An empty STATUS= clears the status: present, empty.
    auto cleared = parseNotifyMessage("STATUS=");
    ASSERT_TRUE(cleared.status);
    EXPECT_EQ(*cleared.status, "");
    // The last assignment of a key wins.
    EXPECT_EQ(parseNotifyMessage("STATUS=one\nSTATUS=two").status, "two");
}

TEST(NotifyMessage, StatusIsMadeValidUtf8) {
    EXPECT_EQ(parseNotifyMessage("STATUS=caf\xC3\xA9").status, "caf\xC3\xA9");
    EXPECT_EQ(parseNotifyMessage("STATUS=a\xFF"
                                 "b")
                  .status,
              "a" + kReplacement + "b");
}

TEST(NotifyMessage, StatusIsCappedAtOneKibibyteOnACharacterBoundary) {
    EXPECT_EQ(parseNotifyMessage("STATUS=" + std::string(1024, 'x')).status->size(), 1024u);
    EXPECT_EQ(parseNotifyMessage("STATUS=" + std::string(4000, 'x')).status, std::string(1024, 'x'));
    // 1023 ASCII bytes, then a 2-byte character that does not fit whole: it goes, not half of it.
    auto cut = parseNotifyMessage("STATUS=" + std::string(1023, 'x') + "\xC3\xA9tail").status;
    ASSERT_TRUE(cut);
    EXPECT_EQ(*cut, std::string(1023, 'x'));
    // Invalid bytes repaired first (1 byte -> 3), then cut: the result is still valid.
    auto repaired = parseNotifyMessage("STATUS=" + std::string(1022, 'x') + "\xFF\xFF").status;
    ASSERT_TRUE(repaired);
    EXPECT_EQ(*repaired, std::string(1022, 'x'));
}

TEST(NotifyMessage, ErrnoIsAPositiveErrnoNumber) {
    EXPECT_EQ(parseNotifyMessage("ERRNO=2").errnoValue, 2);
    EXPECT_EQ(parseNotifyMessage("ERRNO=4095").errnoValue, 4095);
    for (const char* bad : {"ERRNO=0", "ERRNO=-2", "ERRNO=+2", "ERRNO= 2", "ERRNO=2 ", "ERRNO=4096",
                            "ERRNO=", "ERRNO=ENOENT", "ERRNO=99999999999999999999999"})
        EXPECT_FALSE(parseNotifyMessage(bad).errnoValue) << bad;
}

TEST(NotifyMessage, MicrosecondsAreRoundedUpToMilliseconds) {
    EXPECT_EQ(parseNotifyMessage("WATCHDOG_USEC=30000000").watchdogTimeout, 30000ms);
    EXPECT_EQ(parseNotifyMessage("WATCHDOG_USEC=1").watchdogTimeout, 1ms);
    EXPECT_EQ(parseNotifyMessage("WATCHDOG_USEC=1001").watchdogTimeout, 2ms);
    EXPECT_FALSE(parseNotifyMessage("WATCHDOG_USEC=0").watchdogTimeout) << "a watchdog of 0 is no timeout";
    EXPECT_EQ(parseNotifyMessage("EXTEND_TIMEOUT_USEC=0").extendTimeout, 0ms);
    EXPECT_EQ(parseNotifyMessage("EXTEND_TIMEOUT_USEC=999").extendTimeout, 1ms);
    EXPECT_EQ(parseNotifyMessage("EXTEND_TIMEOUT_USEC=5000000").extendTimeout, 5000ms);
}

TEST(NotifyMessage, HugeMicrosecondsSaturateAtTheLongestDuration) {
    // UINT64_MAX is systemd's "infinity"; any value past kMaxDuration stays there, never wraps.
    EXPECT_EQ(parseNotifyMessage("WATCHDOG_USEC=18446744073709551615").watchdogTimeout, kMaxDuration);
    EXPECT_EQ(parseNotifyMessage("EXTEND_TIMEOUT_USEC=18446744073709551615").extendTimeout, kMaxDuration);
    EXPECT_EQ(parseNotifyMessage("EXTEND_TIMEOUT_USEC=9223372036854775807000").extendTimeout, std::nullopt)
        << "past 64 bits is malformed";
    for (const char* bad : {"WATCHDOG_USEC=-1", "WATCHDOG_USEC=1e6", "WATCHDOG_USEC=0x10", "WATCHDOG_USEC= 1",
                            "WATCHDOG_USEC=1s", "WATCHDOG_USEC=infinity"})
        EXPECT_FALSE(parseNotifyMessage(bad).watchdogTimeout) << bad;
}

TEST(NotifyMessage, MainPidIsAPidAboveOne) {
    EXPECT_EQ(parseNotifyMessage("MAINPID=4242").mainPid, 4242);
    EXPECT_EQ(parseNotifyMessage("MAINPID=2147483647").mainPid, 2147483647);
    for (const char* bad : {"MAINPID=0", "MAINPID=1", "MAINPID=-5", "MAINPID=2147483648", "MAINPID=12a"})
        EXPECT_FALSE(parseNotifyMessage(bad).mainPid) << bad;
}

TEST(NotifyMessage, WhatSystemdNotifySends) {
    // `systemd-notify --ready --status=hello` (systemd 252) as one datagram, then the barrier alone.
    auto m = parseNotifyMessage("READY=1\nSTATUS=hello");
    EXPECT_TRUE(m.ready);
    EXPECT_EQ(m.status, "hello");
    EXPECT_FALSE(m.mainPid);
    EXPECT_FALSE(m.barrier);
    EXPECT_TRUE(parseNotifyMessage("BARRIER=1").barrier);
}

}  // namespace
