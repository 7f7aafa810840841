// The small text parsers of config/: durations, sizes, signals, "did you mean", and the model's helpers.
#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>

#include "DurationText.h"
#include "ServiceSpec.h"
#include "SignalNames.h"
#include "SizeText.h"
#include "Suggest.h"

namespace sup::config {
namespace {

using std::chrono::milliseconds;

TEST(ConfigDuration, ReadsEveryUnitAndBareSeconds) {
    EXPECT_EQ(parseDuration("500ms"), milliseconds(500));
    EXPECT_EQ(parseDuration("10s"), milliseconds(10'000));
    EXPECT_EQ(parseDuration("2m"), milliseconds(120'000));
    EXPECT_EQ(parseDuration("1h"), milliseconds(3'600'000));
    EXPECT_EQ(parseDuration("1d"), milliseconds(86'400'000));
    EXPECT_EQ(parseDuration("1.5s"), milliseconds(1500));
    EXPECT_EQ(parseDuration("0.25"), milliseconds(250));
    EXPECT_EQ(parseDuration("3"), milliseconds(3000));
    EXPECT_EQ(parseDuration("0"), milliseconds(0));
    EXPECT_EQ(parseDuration("0s"), milliseconds(0));
    EXPECT_EQ(parseDuration("1m30s"), milliseconds(90'000));
    EXPECT_EQ(parseDuration("1m 30s"), milliseconds(90'000));
    EXPECT_EQ(parseDuration("2min"), milliseconds(120'000));
    EXPECT_EQ(parseDuration("5sec"), milliseconds(5000));
    EXPECT_EQ(parseDuration(" 10S "), milliseconds(10'000));
    EXPECT_EQ(parseDuration("10 s"), milliseconds(10'000));
}

// systemd reads "1M" as a month, and this parser used to read it as a minute: the spelling is refused,
// and the message says what to write instead. "m" stays a minute, as in systemd.
TEST(ConfigDuration, RefusesTheAmbiguousCapitalMAndReadsMonthsLikeSystemd) {
    for (const char* ambiguous : {"1M", "1 M", "1h 1M", "1M30s"}) {
        try {
            parseDuration(ambiguous);
            ADD_FAILURE() << "'" << ambiguous << "' was accepted";
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("'M' is ambiguous"), std::string::npos) << what;
            EXPECT_NE(what.find("'min'"), std::string::npos) << what;
            EXPECT_NE(what.find("'month'"), std::string::npos) << what;
        }
    }
    EXPECT_EQ(parseDuration("1m"), milliseconds(60'000));
    EXPECT_EQ(parseDuration("1MIN"), milliseconds(60'000));
    EXPECT_EQ(parseDuration("1month"), milliseconds(2'629'800'000));  // 30.44 days, as systemd
    EXPECT_EQ(parseDuration("2months"), milliseconds(5'259'600'000));
}

TEST(ConfigDuration, RejectsWhatIsNotADuration) {
    for (const char* bad : {"", " ", "abc", "-1s", "10x", "1m30", "s", "1..5s", "10 s s", "1e3", "ms"})
        EXPECT_THROW(parseDuration(bad), std::invalid_argument) << "'" << bad << "'";
    try {
        parseDuration("10 parsecs");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("unknown unit 'parsecs'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("like 10s"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parseDuration("99999999999999999999h"), std::invalid_argument);
}

// 100 years, the documented maximum (kMaxDuration): beyond it nanosecond clock arithmetic would near
// overflow.
constexpr milliseconds kHundredYears(36'500LL * 86'400'000);

TEST(ConfigDuration, RefusesMoreThanAHundredYearsAndReadsInfinityAsThat) {
    EXPECT_EQ(parseDuration("36500d"), kHundredYears);
    EXPECT_EQ(parseDuration("876000h"), kHundredYears);
    EXPECT_EQ(parseDuration("infinity"), kHundredYears);
    EXPECT_EQ(parseDuration(" Infinity "), kHundredYears);
    for (const char* big : {"36500d 1ms", "36501d", "999999d", "876001h", "9999999999999s"}) {
        try {
            parseDuration(big);
            ADD_FAILURE() << "'" << big << "' accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("at most 36500d (100 years)"), std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("infinity"), std::string::npos) << e.what();
        }
    }
    for (const char* bad : {"infinity 1s", "1s infinity", "inf", "-infinity", "infinitys"})
        EXPECT_THROW(parseDuration(bad), std::invalid_argument) << "'" << bad << "'";
    EXPECT_EQ(formatDuration(kHundredYears), "infinity");
}

TEST(ConfigDuration, FormatsTheShortestSpellingThatReadsBack) {
    EXPECT_EQ(formatDuration(milliseconds(0)), "0s");
    EXPECT_EQ(formatDuration(milliseconds(500)), "500ms");
    EXPECT_EQ(formatDuration(milliseconds(1500)), "1.5s");
    EXPECT_EQ(formatDuration(milliseconds(1050)), "1.05s");
    EXPECT_EQ(formatDuration(milliseconds(10'000)), "10s");
    EXPECT_EQ(formatDuration(milliseconds(120'000)), "2m");
    EXPECT_EQ(formatDuration(milliseconds(7'200'000)), "2h");
    for (long ms : {0L, 1L, 999L, 1001L, 61'000L, 90'000L, 3'600'001L})
        EXPECT_EQ(parseDuration(formatDuration(milliseconds(ms))), milliseconds(ms)) << ms;
}

TEST(ConfigSize, ReadsBinaryAndDecimalUnits) {
    EXPECT_EQ(parseSize("0"), 0u);
    EXPECT_EQ(parseSize("4096"), 4096u);
    EXPECT_EQ(parseSize("100B"), 100u);
    EXPECT_EQ(parseSize("512KiB"), 512u * 1024);
    EXPECT_EQ(parseSize("10MiB"), 10u << 20);
    EXPECT_EQ(parseSize("1GiB"), 1ull << 30);
    EXPECT_EQ(parseSize("2TiB"), 2ull << 40);
    EXPECT_EQ(parseSize("10MB"), 10'000'000u);
    EXPECT_EQ(parseSize("1kB"), 1000u);
    EXPECT_EQ(parseSize("1GB"), 1'000'000'000u);
    EXPECT_EQ(parseSize("64K"), 64u * 1024);
    EXPECT_EQ(parseSize("10M"), 10u << 20);
    EXPECT_EQ(parseSize("10 MiB"), 10u << 20);
    EXPECT_EQ(parseSize("10mib"), 10u << 20);
    EXPECT_EQ(parseSize("1.5KiB"), 1536u);
}

TEST(ConfigSize, RejectsWhatIsNotASize) {
    for (const char* bad : {"", "MiB", "-1", "10XB", "10 MiB extra", "1,5MiB", "100000000TiB"})
        EXPECT_THROW(parseSize(bad), std::invalid_argument) << "'" << bad << "'";
}

TEST(ConfigSize, FormatsWithTheLargestExactBinaryUnit) {
    EXPECT_EQ(formatSize(0), "0B");
    EXPECT_EQ(formatSize(1000), "1000B");
    EXPECT_EQ(formatSize(64 * 1024), "64KiB");
    EXPECT_EQ(formatSize(10 << 20), "10MiB");
    EXPECT_EQ(formatSize(1ull << 30), "1GiB");
}

TEST(ConfigSignal, ReadsNamesWithOrWithoutSigAndNumbers) {
    EXPECT_EQ(parseSignal("TERM"), SIGTERM);
    EXPECT_EQ(parseSignal("SIGTERM"), SIGTERM);
    EXPECT_EQ(parseSignal("term"), SIGTERM);
    EXPECT_EQ(parseSignal("SigInt"), SIGINT);
    EXPECT_EQ(parseSignal("HUP"), SIGHUP);
    EXPECT_EQ(parseSignal("KILL"), SIGKILL);
    EXPECT_EQ(parseSignal("USR1"), SIGUSR1);
    EXPECT_EQ(parseSignal("QUIT"), SIGQUIT);
    EXPECT_EQ(parseSignal("IOT"), SIGABRT);
    EXPECT_EQ(parseSignal("15"), 15);
    EXPECT_EQ(parseSignal("9"), 9);
    EXPECT_EQ(parseSignal("RTMIN"), SIGRTMIN);
    EXPECT_EQ(parseSignal("SIGRTMIN+2"), SIGRTMIN + 2);
    EXPECT_EQ(parseSignal("RTMAX-1"), SIGRTMAX - 1);
}

TEST(ConfigSignal, RejectsUnknownNamesAndNumbersOutOfRange) {
    for (const char* bad : {"", "TREM", "SIG", "0", "65", "1000", "-15", "RTMIN+99", "RTMIN-1", "TERM "})
        EXPECT_THROW(parseSignal(bad), std::invalid_argument) << "'" << bad << "'";
}

TEST(ConfigSignal, NamesSignalsTheWayOperatorsWriteThem) {
    EXPECT_EQ(signalName(SIGTERM), "TERM");
    EXPECT_EQ(signalName(SIGKILL), "KILL");
    EXPECT_EQ(signalName(SIGHUP), "HUP");
    EXPECT_EQ(signalName(SIGABRT), "ABRT");  // not its alias IOT
    EXPECT_EQ(signalName(SIGCHLD), "CHLD");
    EXPECT_EQ(signalName(42), "SIG42");
    EXPECT_EQ(signalName(0), "SIG0");
    for (const auto& name : signalNames()) EXPECT_EQ(signalName(parseSignal(name)), name);
}

TEST(ConfigRestartMode, UsesSystemdWords) {
    EXPECT_EQ(toString(RestartMode::Always), "always");
    EXPECT_EQ(toString(RestartMode::OnFailure), "on-failure");
    EXPECT_EQ(toString(RestartMode::Never), "never");
}

TEST(ConfigSuggest, FindsNearMissesAndPrefixes) {
    const std::vector<std::string> keys = {"command", "stop_signal", "stop_timeout", "start_seconds", "user"};
    EXPECT_EQ(editDistance("comand", "command"), 1u);
    EXPECT_EQ(editDistance("", "abc"), 3u);
    EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
    EXPECT_EQ(editDistance("TREM", "TERM"), 1u);  // swapped neighbours count once
    EXPECT_EQ(editDistance("abc", ""), 3u);
    EXPECT_EQ(editDistance("ca", "abc"), 3u);  // optimal string alignment: no edit of a swapped pair
    EXPECT_EQ(editDistance("stop_sginal", "stop_signal"), 1u);
    EXPECT_EQ(closestMatch("comand", keys), "command");
    EXPECT_EQ(closestMatch("Command", keys), "command");
    EXPECT_EQ(closestMatch("stop-signal", keys), "stop_signal");
    EXPECT_EQ(closestMatch("stop_timout", keys), "stop_timeout");
    EXPECT_EQ(closestMatch("start_sec", keys), "start_seconds");  // a prefix
    EXPECT_EQ(closestMatch("commands_list", keys), "command");    // typed starts with a key
    EXPECT_EQ(closestMatch("xyzzy", keys), std::nullopt);
    EXPECT_EQ(closestMatch("", keys), std::nullopt);
    EXPECT_EQ(didYouMean("usr", keys), " (did you mean 'user'?)");
    EXPECT_EQ(didYouMean("nothing-like-it", keys), "");
    // A megabyte-long key is compared by length and prefix only.
    EXPECT_EQ(closestMatch("command" + std::string(1 << 20, 'x'), keys), "command");
    EXPECT_EQ(closestMatch(std::string(1 << 20, 'x'), keys), std::nullopt);
}

}  // namespace
}  // namespace sup::config
