// supctl's command line: global options anywhere, command options only where they apply, and
// usage errors for everything else.
#include <gtest/gtest.h>

#include "ctl/CommandLine.h"

using namespace sup::ctl;
using namespace std::chrono_literals;

namespace {

Invocation parse(std::vector<std::string> argv) {
    return parseCommandLine(argv);
}

TEST(CtlCommandLine, NoArgumentsMeansStatusOnTheSystemBus) {
    auto inv = parse({});
    EXPECT_EQ(inv.command, "status");
    EXPECT_EQ(inv.global.bus, BusKind::System);
    EXPECT_FALSE(inv.global.json);
    ASSERT_TRUE(inv.global.timeout.has_value());
    EXPECT_EQ(*inv.global.timeout, 30s);
}

TEST(CtlCommandLine, GlobalOptionsAreAcceptedBeforeAndAfterTheCommand) {
    auto a = parse({"--json", "--user", "status", "web"});
    auto b = parse({"status", "web", "--json", "--user"});
    for (auto* inv : {&a, &b}) {
        EXPECT_EQ(inv->command, "status");
        EXPECT_TRUE(inv->global.json);
        EXPECT_EQ(inv->global.bus, BusKind::Session);
        EXPECT_EQ(inv->args, std::vector<std::string>{"web"});
    }
}

TEST(CtlCommandLine, HostSelectsTheRemoteSystemBusInEverySpelling) {
    for (auto argv : std::vector<std::vector<std::string>>{{"-H", "root@box", "status"},
                                                           {"-Hroot@box", "status"},
                                                           {"--host=root@box", "status"},
                                                           {"status", "--host", "root@box"}}) {
        auto inv = parse(argv);
        EXPECT_EQ(inv.global.bus, BusKind::Remote);
        EXPECT_EQ(inv.global.host, "root@box");
        EXPECT_TRUE(inv.args.empty());
    }
}

TEST(CtlCommandLine, HostAndUserTogetherAreRefusedInEitherOrder) {
    // The last bus option used to win: `-H prod --user stop all` stopped the local user's processes.
    for (auto argv : std::vector<std::vector<std::string>>{{"-H", "prod", "--user", "stop", "all"},
                                                           {"--user", "-H", "prod", "stop", "all"},
                                                           {"stop", "all", "--host=prod", "--user"},
                                                           {"--user", "-Hprod", "status"}})
        EXPECT_THROW(parse(argv), ConflictingOptions) << argv[0] << " " << argv[1];
    try {
        parse({"-H", "prod", "--user", "stop", "all"});
    } catch (const ConflictingOptions& e) {
        EXPECT_NE(std::string(e.what()).find("user instance remotely"), std::string::npos) << e.what();
    }
}

TEST(CtlCommandLine, ScopeAndHostAreIndependentAsInSystemctl) {
    // --system with a host is that host's system bus, in either order; the host is never dropped.
    for (auto argv : std::vector<std::vector<std::string>>{{"-H", "prod", "--system", "status"},
                                                           {"--system", "-H", "prod", "status"},
                                                           {"--user", "--system", "-H", "prod", "status"}}) {
        auto inv = parse(argv);
        EXPECT_EQ(inv.global.bus, BusKind::Remote);
        EXPECT_EQ(inv.global.host, "prod");
    }
    // Between --user and --system the last one wins, as in systemctl.
    EXPECT_EQ(parse({"--user", "--system", "status"}).global.bus, BusKind::System);
    EXPECT_EQ(parse({"--system", "--user", "status"}).global.bus, BusKind::Session);
}

TEST(CtlCommandLine, TailTakesFollowLinesAndStderr) {
    auto inv = parse({"tail", "-f", "-n", "5", "--stderr", "web@0"});
    EXPECT_EQ(inv.command, "tail");
    EXPECT_TRUE(inv.follow);
    EXPECT_EQ(inv.lines, 5u);
    EXPECT_TRUE(inv.stderrStream);
    EXPECT_EQ(inv.args, std::vector<std::string>{"web@0"});
    EXPECT_EQ(parse({"tail", "-fn20", "web"}).lines, 20u);
    EXPECT_EQ(parse({"tail", "--lines=7", "web"}).lines, 7u);
    EXPECT_EQ(parse({"tail", "web"}).lines, 10u);
    EXPECT_TRUE(parse({"tail", "-n", "all", "web"}).allLines);
}

TEST(CtlCommandLine, CommandOptionsAreRefusedOnOtherCommands) {
    EXPECT_THROW(parse({"status", "-f"}), UsageError);
    EXPECT_THROW(parse({"start", "--stderr", "web"}), UsageError);
    EXPECT_THROW(parse({"-n", "3", "status"}), UsageError);
}

TEST(CtlCommandLine, UnknownCommandsAndOptionsAreUsageErrors) {
    EXPECT_THROW(parse({"frobnicate"}), UsageError);
    EXPECT_THROW(parse({"status", "--frobnicate"}), UsageError);
    EXPECT_THROW(parse({"status", "-x"}), UsageError);
    EXPECT_THROW(parse({"--json=yes", "status"}), UsageError);
    EXPECT_THROW(parse({"tail", "-n"}), UsageError);
    EXPECT_THROW(parse({"tail", "-n", "ten", "web"}), UsageError);
}

std::string usageErrorOf(std::vector<std::string> argv) {
    try {
        parse(argv);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(CtlCommandLine, UnknownCommandsSuggestTheClosestOne) {
    EXPECT_EQ(usageErrorOf({"stauts"}), "unknown command 'stauts' (did you mean 'status'?)");
    EXPECT_EQ(usageErrorOf({"restrat", "web"}), "unknown command 'restrat' (did you mean 'restart'?)");
    EXPECT_EQ(usageErrorOf({"is-actve", "web"}), "unknown command 'is-actve' (did you mean 'is-active'?)");
    EXPECT_EQ(usageErrorOf({"--json", "lmits"}), "unknown command 'lmits' (did you mean 'limits'?)");
    EXPECT_EQ(usageErrorOf({"frobnicate"}), "unknown command 'frobnicate'")
        << "no suggestion when nothing is close";
}

TEST(CtlCommandLine, ArgumentCountsAreChecked) {
    EXPECT_THROW(parse({"start"}), UsageError);
    EXPECT_THROW(parse({"stop"}), UsageError);
    EXPECT_THROW(parse({"restart"}), UsageError);
    EXPECT_THROW(parse({"tail"}), UsageError);
    EXPECT_THROW(parse({"tail", "a", "b"}), UsageError);
    EXPECT_THROW(parse({"reload", "x"}), UsageError);
    EXPECT_THROW(parse({"show", "a", "b"}), UsageError);
    EXPECT_THROW(parse({"signal", "HUP"}), UsageError);
    EXPECT_THROW(parse({"signal"}), UsageError);
    EXPECT_NO_THROW(parse({"start", "web", "db@*"}));
    EXPECT_NO_THROW(parse({"pid"}));
    EXPECT_NO_THROW(parse({"doctor"}));
    EXPECT_NO_THROW(parse({"show"}));
    EXPECT_THROW(parse({"cat"}), UsageError);
    EXPECT_THROW(parse({"cat", "a", "b"}), UsageError);
    EXPECT_EQ(parse({"cat", "web"}).command, "cat");
}

TEST(CtlCommandLine, PropertiesKeepTheOrderGiven) {
    EXPECT_EQ(parse({"show", "-p", "Pid,State", "-p", "ExecStart", "web"}).properties,
              (std::vector<std::string>{"Pid", "State", "ExecStart"}));
}

TEST(CtlCommandLine, SignalTakesTheSignalFirstOrFromDashS) {
    auto inv = parse({"signal", "HUP", "web", "db"});
    EXPECT_EQ(inv.signal, "HUP");
    EXPECT_EQ(inv.args, (std::vector<std::string>{"web", "db"}));
    auto s = parse({"signal", "-s", "USR1", "web"});
    EXPECT_EQ(s.signal, "USR1");
    EXPECT_EQ(s.args, std::vector<std::string>{"web"});
}

TEST(CtlCommandLine, SignalTakesKillStyleNumbersAndNames) {
    // `kill -9` habits: a dash and the signal where the signal is due.
    for (auto [argv, signal] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"signal", "-9", "web"}, "9"},
             {{"signal", "-KILL", "web"}, "KILL"},
             {{"signal", "-SIGKILL", "web"}, "SIGKILL"},
             {{"signal", "-HUP", "web"}, "HUP"},  // not -H with host "UP"
             {{"--json", "signal", "-term", "web"}, "term"},
             {{"signal", "KILL", "web"}, "KILL"},
             {{"signal", "SIGKILL", "web"}, "SIGKILL"},
             {{"signal", "9", "web"}, "9"},
             {{"signal", "-s", "9", "web"}, "9"},
             {{"signal", "--signal=SIGKILL", "web"}, "SIGKILL"}}) {
        auto inv = parse(argv);
        EXPECT_EQ(inv.signal, signal) << argv[1];
        EXPECT_EQ(inv.args, std::vector<std::string>{"web"}) << argv[1];
        EXPECT_EQ(inv.global.bus, BusKind::System) << argv[1];
    }
    // Only where the signal is due: after it, a dash is an option again.
    EXPECT_THROW(parse({"signal", "HUP", "-9", "web"}), UsageError);
    EXPECT_THROW(parse({"status", "-9"}), UsageError);
}

TEST(CtlCommandLine, AnInvalidSignalIsAUsageErrorWithASuggestion) {
    EXPECT_THROW(parse({"signal", "NOTASIGNAL", "web"}), UsageError);
    EXPECT_THROW(parse({"signal", "-s", "99", "web"}), UsageError);
    EXPECT_NE(usageErrorOf({"signal", "SIGTREM", "web"}).find("(did you mean 'TERM'?)"), std::string::npos)
        << usageErrorOf({"signal", "SIGTREM", "web"});
}

TEST(CtlCommandLine, DoubleDashEndsOptions) {
    auto inv = parse({"status", "--", "-weird-name"});
    EXPECT_EQ(inv.args, std::vector<std::string>{"-weird-name"});
}

TEST(CtlCommandLine, HelpWinsOverMissingArguments) {
    auto inv = parse({"start", "--help"});
    EXPECT_TRUE(inv.global.help);
    EXPECT_EQ(inv.command, "start");
    auto bare = parse({"-h"});
    EXPECT_TRUE(bare.global.help);
    EXPECT_TRUE(bare.command.empty());
    auto version = parse({"--version"});
    EXPECT_TRUE(version.global.version);
    EXPECT_TRUE(version.command.empty());
}

TEST(CtlCommandLine, ShowTakesPropertiesAndValue) {
    auto inv = parse({"show", "-p", "Pid,State", "--property=Name", "--value", "web"});
    EXPECT_EQ(inv.properties, (std::vector<std::string>{"Pid", "State", "Name"}));
    EXPECT_TRUE(inv.valueOnly);
}

TEST(CtlCommandLine, NoBlockAndTimeout) {
    auto inv = parse({"start", "--no-block", "--timeout", "2.5", "web"});
    EXPECT_TRUE(inv.global.noBlock);
    EXPECT_EQ(*inv.global.timeout, 2500ms);
}

TEST(CtlTimeout, AcceptsSecondsUnitsAndInfinity) {
    EXPECT_EQ(*parseTimeout("30"), 30s);
    EXPECT_EQ(*parseTimeout("1.5"), 1500ms);
    EXPECT_EQ(*parseTimeout("500ms"), 500ms);
    EXPECT_EQ(*parseTimeout("2s"), 2s);
    EXPECT_EQ(*parseTimeout("1min"), 60s);
    EXPECT_FALSE(parseTimeout("0").has_value());
    EXPECT_FALSE(parseTimeout("infinity").has_value());
    EXPECT_THROW(parseTimeout(""), UsageError);
    EXPECT_THROW(parseTimeout("soon"), UsageError);
    EXPECT_THROW(parseTimeout("5h"), UsageError);
    EXPECT_THROW(parseTimeout("-1"), UsageError);
}

}  // namespace

namespace {

TEST(CtlCommandLine, ListDependenciesTakesOneNameAndReverse) {
    auto inv = parse({"list-dependencies", "api"});
    EXPECT_EQ(inv.command, "list-dependencies");
    EXPECT_EQ(inv.args, std::vector<std::string>{"api"});
    EXPECT_FALSE(inv.reverse);
    EXPECT_TRUE(parse({"list-dependencies", "--reverse", "db"}).reverse);
    EXPECT_TRUE(parse({"--json", "list-dependencies", "db", "--reverse"}).global.json);
    EXPECT_THROW(parse({"list-dependencies"}), UsageError);
    EXPECT_THROW(parse({"list-dependencies", "a", "b"}), UsageError);
    EXPECT_THROW(parse({"status", "--reverse"}), UsageError);
}

}  // namespace
