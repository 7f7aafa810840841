// supctl list-dependencies and the note of supctl stop: the graph built from one ListProcesses reply,
// services expanded to their instances, the tree drawn as systemctl draws it, cycles cut.
#include <gtest/gtest.h>

#include "ctl/DependencyTree.h"

using namespace sup::ctl;

namespace {

ProcessRecord proc(std::string name, std::string state, std::vector<std::string> required = {},
                   std::vector<std::string> wanted = {}, std::vector<std::string> after = {}) {
    ProcessRecord p;
    p.name = name;
    p.group = name.substr(0, name.find('@'));
    p.state = std::move(state);
    p.required = std::move(required);
    p.wanted = std::move(wanted);
    p.after = std::move(after);
    return p;
}

// api requires db and migrate, wants cache (two instances), comes after logger; migrate requires db;
// web requires api. requiredBy as the daemon reports it.
std::vector<ProcessRecord> stack() {
    std::vector<ProcessRecord> all = {
        proc("logger", "RUNNING"),
        proc("db", "RUNNING"),
        proc("cache@0", "RUNNING"),
        proc("cache@1", "STARTING"),
        proc("migrate", "EXITED", {"db"}),
        proc("api", "RUNNING", {"db", "migrate"}, {"cache"}, {"logger", "db"}),
        proc("web", "RUNNING", {"api"}),
    };
    all[1].requiredBy = {"migrate", "api"};
    all[4].requiredBy = {"api"};
    all[5].requiredBy = {"web"};
    return all;
}

TEST(CtlDependencyTree, ExpandsServicesAndKeepsTheStrongestRelation) {
    DependencyGraph g(stack());
    EXPECT_EQ(g.instancesOf("cache"), (std::vector<std::string>{"cache@0", "cache@1"}));
    EXPECT_EQ(g.instancesOf("db"), std::vector<std::string>{"db"});
    EXPECT_TRUE(g.instancesOf("nosuch").empty());
    std::vector<std::string> names, relations;
    for (const auto& e : g.dependencies("api")) {
        names.push_back(e.instance);
        relations.push_back(e.relation);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"db", "migrate", "cache@0", "cache@1", "logger"}));
    EXPECT_EQ(relations, (std::vector<std::string>{"requires", "requires", "wants", "wants", "after"}));
    ASSERT_EQ(g.dependents("db").size(), 2u);
    EXPECT_EQ(g.dependents("db")[0].instance, "migrate");
    EXPECT_EQ(g.dependents("db")[1].instance, "api");
    EXPECT_EQ(g.dependents("cache@1").front().relation, "wants");
}

TEST(CtlDependencyTree, DrawsTheTreeLikeSystemctl) {
    DependencyGraph g(stack());
    const auto tree = dependencyTree(g, "api", TreeDirection::Dependencies);
    EXPECT_EQ(renderTree(tree, kUtf8Glyphs, false),
              "api RUNNING\n"
              "├─db RUNNING\n"
              "├─migrate EXITED\n"
              "│ └─db RUNNING\n"
              "├─cache@0 RUNNING\n"
              "├─cache@1 STARTING\n"
              "└─logger RUNNING\n");
    EXPECT_EQ(renderTree(dependencyTree(g, "web", TreeDirection::Dependencies), kAsciiGlyphs, false),
              "web RUNNING\n"
              "`-api RUNNING\n"
              "  |-db RUNNING\n"
              "  |-migrate EXITED\n"
              "  | `-db RUNNING\n"
              "  |-cache@0 RUNNING\n"
              "  |-cache@1 STARTING\n"
              "  `-logger RUNNING\n");
}

TEST(CtlDependencyTree, ReverseFollowsEveryRelation) {
    DependencyGraph g(stack());
    EXPECT_EQ(renderTree(dependencyTree(g, "db", TreeDirection::Dependents), kUtf8Glyphs, false),
              "db RUNNING\n"
              "├─migrate EXITED\n"
              "│ └─api RUNNING\n"
              "│   └─web RUNNING\n"
              "└─api RUNNING\n"
              "  └─web RUNNING\n");
    // A service root lists its instances first; cache is only wanted.
    EXPECT_EQ(renderTree(dependencyTree(g, "cache", TreeDirection::Dependents), kAsciiGlyphs, false),
              "cache\n"
              "|-cache@0 RUNNING\n"
              "| `-api RUNNING\n"
              "|   `-web RUNNING\n"
              "`-cache@1 STARTING\n"
              "  `-api RUNNING\n"
              "    `-web RUNNING\n");
    EXPECT_EQ(renderTree(dependencyTree(g, "logger", TreeDirection::Dependencies), kUtf8Glyphs, false),
              "logger RUNNING\n");
}

TEST(CtlDependencyTree, ACycleIsCutNotFollowed) {
    // The configuration refuses cycles; a daemon that sent one anyway must not hang supctl.
    DependencyGraph g({proc("a", "RUNNING", {"b"}), proc("b", "STOPPED", {}, {}, {"a"})});
    EXPECT_EQ(renderTree(dependencyTree(g, "a", TreeDirection::Dependencies), kAsciiGlyphs, false),
              "a RUNNING\n"
              "`-b STOPPED\n"
              "  `-a RUNNING (cycle)\n");
}

TEST(CtlDependencyTree, ColoursStatesAsStatusDoes) {
    DependencyGraph g({proc("a", "RUNNING", {"b"}), proc("b", "FATAL")});
    EXPECT_EQ(renderTree(dependencyTree(g, "a", TreeDirection::Dependencies), kAsciiGlyphs, true),
              "a \x1b[32mRUNNING\x1b[0m\n`-b \x1b[1;31mFATAL\x1b[0m\n");
}

TEST(CtlDependencyTree, UnknownNameThrows) {
    DependencyGraph g(stack());
    EXPECT_THROW(dependencyTree(g, "nosuch", TreeDirection::Dependencies), std::out_of_range);
}

TEST(CtlDependencyTree, JsonNestsChildrenWithTheirRelation) {
    DependencyGraph g(stack());
    auto j = treeJson(dependencyTree(g, "migrate", TreeDirection::Dependencies));
    EXPECT_EQ(
        j.dump(),
        R"({"name":"migrate","state":"EXITED","ready_state":"","relation":"","cycle":false,"children":[)"
        R"({"name":"db","state":"RUNNING","ready_state":"","relation":"requires","cycle":false,)"
        R"("children":[]}]})");
}

TEST(CtlDependencyTree, StopNoticeNamesWhatIsUpAndRequiresIt) {
    auto all = stack();
    all[4].state = "EXITED";  // migrate is done: nothing to stop
    DependencyGraph g(all);
    EXPECT_EQ(dependentsToStop(g, {"db"}), (std::vector<std::string>{"api", "web"}));
    EXPECT_EQ(stopNotice(g, {"db"}), "Stopping api, web (they require db).\n");
    EXPECT_EQ(stopNotice(g, {"api"}), "Stopping web (it requires api).\n");
    // What the user stops anyway is not announced; a wanted one is not stopped.
    EXPECT_EQ(stopNotice(g, {"db", "api", "web"}), "");
    EXPECT_EQ(stopNotice(g, {"cache@0"}), "");
    EXPECT_EQ(stopNotice(g, {"web"}), "");
}

TEST(CtlDependencyTree, StopNoticeCountsAStartWaitingForItsDependencies) {
    auto db = proc("db", "STOPPED");
    db.requiredBy = {"api", "web"};
    auto api = proc("api", "STOPPED", {"db"});
    api.readyState = "waiting";
    auto web = proc("web", "FATAL", {"db"});
    DependencyGraph g({db, api, web});
    EXPECT_EQ(stopNotice(g, {"db"}), "Stopping api (it requires db).\n");
}

}  // namespace
