// `supctl status NAME...` fetches only the instances the names resolve to (GetProcess each when they
// are few) and must print exactly what the whole list (ListProcessRows, filtered) printed: the same
// rows in the same order (priority, then name), the same JSON, the same exit codes.
//
// Every service has autostart off and never changes state, so no row holds a time and two calls
// print the same bytes.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "integration/DaemonTest.h"
#include "integration/Harness.h"

using namespace sup::test;

namespace {

// 40 services svc10..svc49 at the default priority, and web@0..web@3 before them (priority 50): name
// order and list order differ. Every name has five characters, so the NAME column of any table is as
// wide as in the whole table, and a table of a few is the whole one's header and their rows.
std::string manyServices() {
    std::string yaml = R"(
services:
  web:
    command: ["/bin/sleep", "1000"]
    numprocs: 4
    priority: 50
    autostart: false
)";
    for (int i = 10; i < 50; ++i)
        yaml += "  svc" + std::to_string(i) + ": {command: [\"/bin/sleep\", \"1000\"], autostart: false}\n";
    return yaml;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start + 1));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

// The objects of a JSON array line as supctl wrote them (keys in supctl's order, bytes untouched).
std::vector<std::string> arrayElements(const std::string& line) {
    std::vector<std::string> out;
    int depth = 0;
    bool inString = false, escaped = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (ch == '\\')
                escaped = true;
            else if (ch == '"')
                inString = false;
            continue;
        }
        if (ch == '"') inString = true;
        if (ch == '{' && depth++ == 0) start = i;
        if (ch == '}' && --depth == 0) out.push_back(line.substr(start, i - start + 1));
    }
    return out;
}

std::string nameOf(const std::string& element) {
    const std::string key = R"({"name":")";
    if (element.rfind(key, 0) != 0) return "";
    return element.substr(key.size(), element.find('"', key.size()) - key.size());
}

class CtlStatusNames : public DaemonTest {
  protected:
    std::string table;  // `supctl status`: every instance, from the whole list
    std::string json;   // `supctl --json status`

    void SetUp() override {
        startDaemon(manyServices());
        auto all = daemon->ctl({"status"});
        ASSERT_EQ(all.exitCode, 3) << all.err;
        table = all.out;
        auto allJson = daemon->ctl({"--json", "status"});
        ASSERT_EQ(allJson.exitCode, 3) << allJson.err;
        json = allJson.out;
        ASSERT_EQ(arrayElements(json).size(), 44u) << json;
    }

    // What the whole list shows of these instances: its header, then their rows in its order.
    std::string tableOf(const std::set<std::string>& names) const {
        const auto all = lines(table);
        std::string out = all.front();
        for (std::size_t i = 1; i < all.size(); ++i)
            if (names.count(all[i].substr(0, all[i].find(' ')))) out += all[i];
        return out;
    }
    std::string jsonOf(const std::set<std::string>& names) const {
        std::string out;
        for (const auto& element : arrayElements(json))
            if (names.count(nameOf(element))) out += (out.empty() ? "[" : ",") + element;
        return (out.empty() ? "[" : out) + "]\n";
    }

    void expectSameAsTheWholeList(const std::vector<std::string>& patterns,
                                  const std::set<std::string>& names) {
        std::vector<std::string> args = {"status"};
        args.insert(args.end(), patterns.begin(), patterns.end());
        auto text = daemon->ctl(args);
        EXPECT_EQ(text.exitCode, 3) << text.err;
        EXPECT_EQ(text.out, tableOf(names));
        EXPECT_EQ(text.err, "");
        args.insert(args.begin(), "--json");
        auto asJson = daemon->ctl(args);
        EXPECT_EQ(asJson.exitCode, 3) << asJson.err;
        EXPECT_EQ(asJson.out, jsonOf(names));
        EXPECT_EQ(asJson.err, "");
    }
};

TEST_F(CtlStatusNames, AnInstanceAmongManyPrintsItsRowOfTheWholeList) {
    expectSameAsTheWholeList({"web@2"}, {"web@2"});
    expectSameAsTheWholeList({"svc33"}, {"svc33"});
}

TEST_F(CtlStatusNames, SeveralNamesComeInListOrderOnceEach) {
    // Priority first (web before svc*), then name; a name given twice is shown once.
    expectSameAsTheWholeList({"svc12", "web@3", "svc11", "web@1", "svc12"},
                             {"web@1", "web@3", "svc11", "svc12"});
}

TEST_F(CtlStatusNames, AServiceGroupAndGlobsResolveAsBefore) {
    expectSameAsTheWholeList({"web"}, {"web@0", "web@1", "web@2", "web@3"});
    expectSameAsTheWholeList({"svc4?", "web@0"}, {"web@0", "svc40", "svc41", "svc42", "svc43", "svc44",
                                                  "svc45", "svc46", "svc47", "svc48", "svc49"});
    std::set<std::string> every;
    for (const auto& element : arrayElements(json)) every.insert(nameOf(element));
    expectSameAsTheWholeList({"all"}, every);
}

TEST_F(CtlStatusNames, AnUnknownNameStillFailsWithTheDaemonsWordsBesideKnownOnes) {
    auto alone = daemon->ctl({"status", "web@9"});
    EXPECT_EQ(alone.exitCode, 4) << alone.err;
    EXPECT_EQ(alone.out, "");
    EXPECT_EQ(alone.err, "supctl: no process matches 'web@9'\n");

    auto mixed = daemon->ctl({"status", "web@9", "svc20"});
    EXPECT_EQ(mixed.exitCode, 4) << mixed.err;
    EXPECT_EQ(mixed.out, tableOf({"svc20"}));
    EXPECT_EQ(mixed.err, alone.err);
}

}  // namespace
