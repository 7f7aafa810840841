// What pam_limits would set at login, from limits.conf and limits.d, with its precedence rules.
#include <gtest/gtest.h>

#include "limits_fake_root.h"
#include "os/limits/LimitsConf.h"

namespace sup::os::limits {
namespace {

UserIdentity alice() {
    return UserIdentity{1000, 1000, "alice", {1000, 27}, {"alice", "sudo"}};
}
UserIdentity root() {
    return UserIdentity{0, 0, "root", {0}, {"root"}};
}

PamLimits apply(const std::string& text, const UserIdentity& u) {
    PamLimits out;
    applyLimitsConf(text, "/etc/security/limits.conf", u, out);
    return out;
}

TEST(LimitsConf, UserLineBeatsGroupBeatsWildcardWhateverTheOrder) {
    auto l = apply(
        "alice soft nproc 100\n"
        "@sudo soft nproc 200\n"
        "*     soft nproc 300\n",
        alice());
    ASSERT_TRUE(l.nproc.soft.value);
    EXPECT_EQ(*l.nproc.soft.value, 100u);
    EXPECT_EQ(l.nproc.soft.from, "/etc/security/limits.conf:1");

    auto g = apply("* soft nproc 300\n@sudo soft nproc 200\n", alice());
    EXPECT_EQ(*g.nproc.soft.value, 200u);
}

TEST(LimitsConf, LaterLineOfTheSameKindWinsAndDashSetsBoth) {
    auto l = apply("* soft nproc 300\n* - nproc 400 # comment\n", alice());
    EXPECT_EQ(*l.nproc.soft.value, 400u);
    ASSERT_TRUE(l.nproc.hard.value);
    EXPECT_EQ(*l.nproc.hard.value, 400u);
    EXPECT_EQ(l.nproc.hard.from, "/etc/security/limits.conf:2");
}

TEST(LimitsConf, WildcardAndGroupsDoNotApplyToRoot) {
    auto l = apply("* soft nproc 300\n@root soft nproc 5\n", root());
    EXPECT_FALSE(l.nproc.set());
    auto named = apply("root hard nproc unlimited\n", root());
    ASSERT_TRUE(named.nproc.hard.value);
    EXPECT_EQ(*named.nproc.hard.value, kUnlimited);
}

TEST(LimitsConf, UidAndGidRanges) {
    EXPECT_EQ(*apply("1000:1999 soft nproc 7\n", alice()).nproc.soft.value, 7u);
    EXPECT_FALSE(apply("2000: soft nproc 7\n", alice()).nproc.set());
    EXPECT_EQ(*apply(":1000 soft nofile 9\n", alice()).nofile.soft.value, 9u);
    EXPECT_EQ(*apply("@:27 soft nproc 8\n", alice()).nproc.soft.value,
              8u);                                                      // exact gid: supplementary counts
    EXPECT_FALSE(apply("@20:30 soft nproc 8\n", alice()).nproc.set());  // range: primary group only
}

TEST(LimitsConf, OtherItemsAndMalformedLinesAreIgnored) {
    auto l =
        apply("alice soft core 0\nalice soft nproc\n%admin - maxlogins 2\nalice soft nproc lots\n", alice());
    EXPECT_FALSE(l.nproc.set());
    EXPECT_FALSE(l.nofile.set());
}

TEST(LimitsConf, LimitsDFilesAreReadInNameOrderAfterTheMainFile) {
    test::FakeRoot root;
    root.write("etc/security/limits.conf", "alice soft nproc 100\n");
    root.write("etc/security/limits.d/20-b.conf", "alice soft nproc 300\n");
    root.write("etc/security/limits.d/10-a.conf", "alice soft nproc 200\n");
    root.write("etc/security/limits.d/99-ignored.txt", "alice soft nproc 999\n");
    auto l = pamLimitsFor(root.fs(), alice());
    EXPECT_EQ(*l.nproc.soft.value, 300u);
    EXPECT_EQ(l.nproc.soft.from, root.dir() + "/etc/security/limits.d/20-b.conf:1");
}

TEST(LimitsConf, DescriptionNamesValuesAndSource) {
    auto l = apply("alice soft nproc 4096\nalice hard nproc 8192\n", alice());
    auto text = describePamLimit(l.nproc, "nproc", "alice");
    EXPECT_NE(text.find("soft 4096"), std::string::npos) << text;
    EXPECT_NE(text.find("hard 8192"), std::string::npos) << text;
    EXPECT_NE(text.find("alice"), std::string::npos) << text;
    EXPECT_NE(text.find("limits.conf:1"), std::string::npos) << text;
    EXPECT_EQ(describePamLimit(ConfLimit{}, "nproc", "alice"), "");
}

TEST(LimitsConf, UsersComeFromPasswdAndGroup) {
    test::FakeRoot root;
    root.passwd(test::kPasswd);
    root.write("etc/group", "root:x:0:\nalice:x:1000:\nsudo:x:27:alice,bob\n");
    auto u = lookupUser(root.fs(), 1000);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->name, "alice");
    EXPECT_EQ(u->gid, 1000u);
    EXPECT_NE(std::find(u->groups.begin(), u->groups.end(), 27u), u->groups.end());
    EXPECT_NE(std::find(u->groupNames.begin(), u->groupNames.end(), "sudo"), u->groupNames.end());
    EXPECT_FALSE(lookupUser(root.fs(), 4242));  // a fake tree never asks NSS
}

}  // namespace
}  // namespace sup::os::limits
