// `supctl cat`: the effective definition as YAML. What it prints must load back into the same
// settings, so it is checked by feeding it to the configuration loader.
#include <gtest/gtest.h>

#include "ConfigLoader.h"
#include "ctl/DefinitionView.h"

using namespace sup::ctl;

namespace {

ProcessRecord webRecord() {
    ProcessRecord p;
    p.name = "web";
    p.group = "web";
    p.argv = {"/bin/echo", "a b", "it's", "$HOME"};
    p.sourceFile = "/etc/supervisord/web.yaml";
    p.sourceLine = 4;
    p.priority = 20;
    return p;
}

ServiceDefinition webDefinition() {
    ServiceDefinition d;
    d.execStart = {"/bin/echo", "a b", "it's", "$HOME"};
    d.workingDirectory = "/tmp";
    d.user = "root";
    d.unixGroup = "root";
    d.umask = "0027";
    d.environment = {"GREETING=hello world", "QUOTE=say \"hi\""};
    d.numProcs = 1;
    d.autostart = false;
    d.restart = "on-failure";
    d.successExitStatus = {0, 3};
    d.startSecUsec = 1'500'000;
    d.startRetries = 7;
    d.backoffInitialUsec = 2'000'000;
    d.backoffMaxUsec = 30'000'000;
    d.backoffResetUsec = 36'500ULL * 86'400 * 1'000'000;
    d.stopSignal = "INT";
    d.stopTimeoutUsec = 250'000;
    d.killGroup = false;
    d.standardOutput = "file:/var/log/sup test/web.log";
    d.standardOutputMaxSize = 1 << 20;
    d.standardOutputBackups = 2;
    d.standardError = "journal";
    d.timestamps = true;
    return d;
}

TEST(CtlCat, NamesTheSourceAndFillsInEveryDefault) {
    const std::string text = renderDefinition(webRecord(), webDefinition());
    EXPECT_EQ(text.rfind("# web: /etc/supervisord/web.yaml:4\n", 0), 0u) << text;
    for (auto* key :
         {"command:",       "directory:",     "user:",         "group:",      "umask:",
          "environment:",   "numprocs:",      "autostart:",    "restart:",    "success_exit_codes:",
          "start_seconds:", "start_retries:", "backoff:",      "initial:",    "max:",
          "reset_after:",   "stop_signal:",   "stop_timeout:", "kill_group:", "priority:",
          "stdout:",        "stderr:",        "timestamps:"})
        EXPECT_NE(text.find(key), std::string::npos) << key << " in\n" << text;
}

TEST(CtlCat, ItsYamlLoadsBackIntoTheSameSettings) {
    const std::string text = renderDefinition(webRecord(), webDefinition());
    sup::Config config;
    ASSERT_NO_THROW(config = sup::config::loadString(text, "cat.yaml")) << text;
    ASSERT_EQ(config.services.size(), 1u);
    const sup::ServiceSpec& s = config.services.front();
    using namespace std::chrono_literals;
    EXPECT_EQ(s.name, "web");
    EXPECT_EQ(s.command, (std::vector<std::string>{"/bin/echo", "a b", "it's", "$HOME"}));
    EXPECT_EQ(s.directory, "/tmp");
    EXPECT_EQ(s.user, "root");
    EXPECT_EQ(s.group, "root");
    EXPECT_EQ(s.umask, static_cast<mode_t>(027));
    EXPECT_EQ(s.environment.at("GREETING"), "hello world");
    EXPECT_EQ(s.environment.at("QUOTE"), "say \"hi\"");
    EXPECT_FALSE(s.autostart);
    EXPECT_EQ(s.restart, sup::RestartMode::OnFailure);
    EXPECT_EQ(s.successExitCodes, (std::vector<int>{0, 3}));
    EXPECT_EQ(s.startSeconds, 1500ms);
    EXPECT_EQ(s.startRetries, 7u);
    EXPECT_EQ(s.backoff.initial, 2s);
    EXPECT_EQ(s.backoff.max, 30s);
    EXPECT_EQ(s.backoff.resetAfter, sup::kMaxDuration);
    EXPECT_EQ(s.stopSignal, SIGINT);
    EXPECT_EQ(s.stopTimeout, 250ms);
    EXPECT_FALSE(s.killGroup);
    EXPECT_EQ(s.priority, 20);
    EXPECT_EQ(s.stdoutTarget.kind, sup::LogTarget::Kind::File);
    EXPECT_EQ(s.stdoutTarget.path, "/var/log/sup test/web.log");
    EXPECT_EQ(s.stdoutTarget.maxSize, 1u << 20);
    EXPECT_EQ(s.stdoutTarget.backups, 2u);
    EXPECT_EQ(s.stderrTarget.kind, sup::LogTarget::Kind::Journal);
    EXPECT_TRUE(s.timestamps);
}

TEST(CtlCat, SaysWhatAnUnsetIdentityMeans) {
    ServiceDefinition d = webDefinition();
    d.user.clear();
    d.unixGroup.clear();
    d.umask.clear();
    const std::string text = renderDefinition(webRecord(), d);
    EXPECT_NE(text.find("# user: not set: the daemon's user\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# umask: not set: inherited from the daemon\n"), std::string::npos) << text;
    EXPECT_NO_THROW(sup::config::loadString(text, "cat.yaml")) << text;
}

TEST(CtlCat, DurationsAndSizesInConfigurationSpelling) {
    EXPECT_EQ(configDuration(10'000'000), "10s");
    EXPECT_EQ(configDuration(1'500'000), "1500ms");
    EXPECT_EQ(configDuration(0), "0s");
    EXPECT_EQ(configDuration(36'500ULL * 86'400 * 1'000'000), "infinity");
    EXPECT_EQ(configSize(10 << 20), "10MiB");
    EXPECT_EQ(configSize(512 << 10), "512KiB");
    EXPECT_EQ(configSize(1000), "1000");
}

}  // namespace
