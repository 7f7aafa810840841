// Backoff, config diffing, the output tail and line framing.
#include <gtest/gtest.h>

#include "core/Backoff.h"
#include "core/ConfigDiff.h"
#include "core/LineFramer.h"
#include "core/TailBuffer.h"

using namespace sup;
using namespace std::chrono_literals;

namespace {

ServiceSpec svc(const std::string& name, std::vector<std::string> cmd = {"/bin/sleep", "100"},
                unsigned n = 1) {
    ServiceSpec s;
    s.name = name;
    s.command = std::move(cmd);
    s.numprocs = n;
    return s;
}

TEST(Backoff, DoublesUpToMaxAndResets) {
    Backoff b({500ms, 3000ms, 10000ms});
    EXPECT_EQ(b.next(), 500ms);
    EXPECT_EQ(b.next(), 1000ms);
    EXPECT_EQ(b.next(), 2000ms);
    EXPECT_EQ(b.next(), 3000ms);
    EXPECT_EQ(b.next(), 3000ms);
    b.observeRun(9999ms);
    EXPECT_EQ(b.peek(), 3000ms);
    b.observeRun(10000ms);
    EXPECT_EQ(b.next(), 500ms);
}

TEST(Backoff, ZeroInitialStaysZero) {
    Backoff b({0ms, 60000ms, 60000ms});
    for (int i = 0; i < 5; ++i) EXPECT_EQ(b.next(), 0ms);
}

TEST(Backoff, DoublingNeverOverflowsWhateverTheMax) {
    // Any max, even the largest a Duration holds: the doubling stops at max instead of wrapping negative.
    Backoff b({1ms, Duration::max(), Duration::max()});
    Duration previous{0};
    for (int i = 0; i < 100; ++i) {
        const Duration d = b.next();
        ASSERT_GE(d, previous) << "step " << i;
        previous = d;
    }
    EXPECT_EQ(previous, Duration::max());
    EXPECT_EQ(b.peek(), Duration::max());
}

ConfigDiff diffSpecs(const std::vector<ServiceSpec>& running, const std::vector<ServiceSpec>& wanted) {
    return diffInstances(shareSpecs(running), shareSpecs(wanted));
}

TEST(ConfigDiff, ClassifiesInstances) {
    std::vector<ServiceSpec> running = {svc("a"), svc("b"), svc("c"), svc("web", {"/bin/sleep", "1"}, 2)};
    auto changedB = svc("b", {"/bin/sleep", "200"});
    auto movedC = svc("c");
    movedC.where = {"other.yaml", 40, 3};  // only the location changed
    std::vector<ServiceSpec> wanted = {changedB, movedC, svc("d"), svc("web", {"/bin/sleep", "1"}, 3)};
    auto diff = diffSpecs(running, wanted);
    auto names = [](const std::vector<InstanceRef>& refs) {
        std::vector<std::string> out;
        for (auto& r : refs) out.push_back(r.name);
        return out;
    };
    EXPECT_EQ(names(diff.added), (std::vector<std::string>{"d", "web@2"}));
    EXPECT_EQ(diff.removed, (std::vector<std::string>{"a"}));
    EXPECT_EQ(names(diff.changed), (std::vector<std::string>{"b"}));
    // Scaling numprocs up keeps the instances that already run.
    EXPECT_EQ(names(diff.unchanged), (std::vector<std::string>{"c", "web@0", "web@1"}));
}

TEST(ConfigDiff, NumprocsAcrossOneRenamesIndexZeroInsteadOfReplacingIt) {
    std::vector<ServiceSpec> one = {svc("w", {"/bin/sleep", "1"}, 1)};
    std::vector<ServiceSpec> three = {svc("w", {"/bin/sleep", "1"}, 3)};
    auto up = diffSpecs(one, three);
    ASSERT_EQ(up.renamed.size(), 1u);
    EXPECT_EQ(up.renamed[0].from, "w");
    EXPECT_EQ(up.renamed[0].to, "w@0");
    ASSERT_EQ(up.unchanged.size(), 1u);
    EXPECT_EQ(up.unchanged[0].name, "w@0");
    ASSERT_EQ(up.added.size(), 2u);
    EXPECT_EQ(up.added[0].name, "w@1");
    EXPECT_TRUE(up.removed.empty());

    auto down = diffSpecs(three, one);
    ASSERT_EQ(down.renamed.size(), 1u);
    EXPECT_EQ(down.renamed[0].from, "w@0");
    EXPECT_EQ(down.renamed[0].to, "w");
    EXPECT_EQ(down.removed, (std::vector<std::string>{"w@1", "w@2"}));
    EXPECT_TRUE(down.added.empty());

    // A new command as well: the renamed instance is replaced, under its new name.
    auto changed = diffSpecs(one, {svc("w", {"/bin/sleep", "2"}, 2)});
    ASSERT_EQ(changed.renamed.size(), 1u);
    ASSERT_EQ(changed.changed.size(), 1u);
    EXPECT_EQ(changed.changed[0].name, "w@0");
}

TEST(ConfigDiff, IdenticalConfigsAreEmpty) {
    std::vector<ServiceSpec> a = {svc("a"), svc("b", {"/bin/true"}, 3)};
    EXPECT_TRUE(diffSpecs(a, a).empty());
    EXPECT_EQ(diffSpecs(a, a).unchanged.size(), 4u);
}

TEST(TailBuffer, KeepsTheLastLinesWithinCapacity) {
    TailBuffer t(32);
    for (int i = 0; i < 100; ++i) t.append("line " + std::to_string(i) + "\n");
    EXPECT_EQ(t.tail(2), "line 98\nline 99\n");
    auto all = t.tail(0);
    EXPECT_LE(all.size(), 32u);
    EXPECT_EQ(all.rfind("line 99\n"), all.size() - 8);
    EXPECT_EQ(all.find("line"), 0u) << "the cut must not leave half a line: " << all;
}

TEST(TailBuffer, PartialLastLineCounts) {
    TailBuffer t(1024);
    t.append("a\nb\nc");
    EXPECT_EQ(t.tail(1), "c");
    EXPECT_EQ(t.tail(2), "b\nc");
    EXPECT_EQ(t.tail(10), "a\nb\nc");
}

TEST(LineSplitter, JoinsPartsAndBoundsLongLines) {
    LineSplitter s(8);
    std::vector<std::string> lines;
    auto on = [&](std::string_view l) { lines.emplace_back(l); };
    s.feed("hel", on);
    s.feed("lo\nwor", on);
    s.feed("ld\n0123456789abc", on);
    s.flush(on);
    EXPECT_EQ(lines, (std::vector<std::string>{"hello", "world", "01234567", "89abc"}));
}

TEST(Timestamper, PrefixesEachLineOnce) {
    Timestamper t;
    auto now = std::chrono::system_clock::now();
    auto stamp = formatTimestamp(now);
    EXPECT_EQ(t.apply("a\nb", now), stamp + "a\n" + stamp + "b");
    EXPECT_EQ(t.apply("c\n", now), "c\n");  // continues the open line
    EXPECT_EQ(t.apply("d\n", now), stamp + "d\n");
}

}  // namespace
