// DependencyIndex: the requires/wants/after edges of a loaded configuration resolved to instances, the
// orders the supervisor starts and stops by, and that none of it recurses along a long chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "ConfigLoader.h"
#include "core/DependencyIndex.h"

namespace sup {
namespace {

DependencyIndex indexOf(const std::string& yaml) {
    DependencyIndex index;
    index.rebuild(config::loadString(yaml, "deps.yaml").services);
    return index;
}

using Names = std::vector<std::string>;

TEST(DependencyIndex, ResolvesServicesToTheirInstancesAndKeepsTheReverseEdges) {
    const DependencyIndex index = indexOf(R"(services:
  api:
    command: [/bin/true]
    requires: [db, cache@1]
    wants: [metrics]
    after: [migrate]
  db: {command: [/bin/true]}
  cache: {command: [/bin/true], numprocs: 2}
  metrics: {command: [/bin/true]}
  migrate: {command: [/bin/true], type: oneshot}
)");
    EXPECT_EQ(index.required("api"), (Names{"db", "cache@1"}));
    EXPECT_EQ(index.wanted("api"), (Names{"metrics"}));
    EXPECT_EQ(index.orderedAfter("api"), (Names{"db", "cache@1", "migrate"}));  // requires + after
    EXPECT_EQ(index.requiredBy("db"), (Names{"api"}));
    EXPECT_EQ(index.requiredBy("cache@1"), (Names{"api"}));
    EXPECT_TRUE(index.requiredBy("cache@0").empty());
    EXPECT_TRUE(index.requiredBy("metrics").empty());  // wants is no requirement
    EXPECT_EQ(index.orderedBefore("migrate"), (Names{"api"}));
    EXPECT_TRUE(index.needs("api", "db"));
    EXPECT_FALSE(index.needs("api", "metrics"));
    EXPECT_EQ(index.startClosure("api"), (Names{"db", "cache@1", "metrics", "api"}));
    EXPECT_EQ(index.stopRank("api"), 0u);
    EXPECT_EQ(index.stopRank("db"), 1u);
}

TEST(DependencyIndex, StartOrderFollowsTheEdgesAndOtherwiseKeepsTheGivenOrder) {
    const DependencyIndex index = indexOf(R"(services:
  api: {command: [/bin/true], requires: [db], after: [migrate]}
  db: {command: [/bin/true]}
  migrate: {command: [/bin/true], requires: [db], type: oneshot}
  web: {command: [/bin/true], wants: [api]}
  cron: {command: [/bin/true]}
)");
    // The given order is the priority order; web only wants api, so it is not held behind it.
    EXPECT_EQ(index.startOrder({"cron", "web", "api", "migrate", "db"}),
              (Names{"cron", "web", "db", "migrate", "api"}));
}

// 10,000 services in one chain: s0 requires s1 requires ... Nothing may recurse 10,000 deep.
TEST(DependencyIndex, ALongChainIsOrderedWithoutRecursion) {
    std::string yaml = "services:\n";
    Names names;
    for (int i = 0; i < 10000; ++i) {
        const std::string name = "s" + std::to_string(i);
        yaml += "  " + name + ": {command: [/bin/true]";
        if (i + 1 < 10000) yaml += ", requires: [s" + std::to_string(i + 1) + "]";
        yaml += "}\n";
        names.push_back(name);
    }
    const auto begin = std::chrono::steady_clock::now();
    const DependencyIndex index = indexOf(yaml);
    const Names order = index.startOrder(names);
    ASSERT_EQ(order.size(), 10000u);
    EXPECT_EQ(order.front(), "s9999");
    EXPECT_EQ(order.back(), "s0");
    EXPECT_EQ(index.startClosure("s0").size(), 10000u);
    EXPECT_EQ(index.requiredByClosure("s9999").size(), 9999u);
    EXPECT_EQ(index.stopRank("s0"), 0u);
    EXPECT_EQ(index.stopRank("s9999"), 9999u);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(20));  // ASan build
}

}  // namespace
}  // namespace sup
