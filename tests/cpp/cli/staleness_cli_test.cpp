// `nuthatch status`, `lineage` and `delete --downstream` over entries written through the
// cache, with their inputs recorded (DESIGN §9; README "Staleness").

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "cli/run_cli.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using nh::testing::run_cli;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

namespace {

class StalenessCliTest : public ::testing::Test {
 protected:
  // raw -> clipped -> summary, and an unrelated entry.
  void SetUp() override {
    raw_(1);
    summary_(1);
    other_(1);
  }

  nlohmann::json json_of(const std::vector<std::string>& args) {
    const nh::testing::CliResult r = run_cli(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    for (const auto& row : json_of({"status", "--json"})) {
      out[row["key"].get<std::string>()] = row["state"].get<std::string>();
    }
    return out;
  }

  nh::testing::TempProject project_;
  nh::Cached<int(int)> raw_ = nh::cache("raw", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
  nh::Cached<int(int)> clipped_ =
      nh::cache("clipped", {"x"}, {.cache_args = {"x"}}, [this](int x) { return raw_(x) + 1; });
  nh::Cached<int(int)> summary_ =
      nh::cache("summary", {"x"}, {.cache_args = {"x"}}, [this](int x) { return clipped_(x) * 2; });
  nh::Cached<int(int)> other_ =
      nh::cache("other", {"x"}, {.cache_args = {"x"}}, [](int x) { return -x; });
};

TEST_F(StalenessCliTest, StatusTellsFreshStaleAndInputMissing) {
  EXPECT_THAT(states(), (std::map<std::string, std::string>{{"raw/x=1", "fresh"},
                                                            {"clipped/x=1", "fresh"},
                                                            {"summary/x=1", "fresh"},
                                                            {"other/x=1", "fresh"}}));
  raw_.with({.recompute = true, .force_overwrite = true})(1);
  auto s = states();
  EXPECT_EQ(s["clipped/x=1"], "stale");
  EXPECT_EQ(s["summary/x=1"], "stale");  // transitively
  EXPECT_EQ(s["raw/x=1"], "fresh");
  EXPECT_EQ(s["other/x=1"], "fresh");
  const auto table = run_cli({"status", "clipped"});
  EXPECT_EQ(table.status, 0);
  EXPECT_THAT(table.out, HasSubstr("input 'raw/x=1' at root was recomputed since"));
  EXPECT_THAT(table.out, HasSubstr("1 of 1 entries stale"));
  ASSERT_EQ(run_cli({"delete", "raw", "--force"}).status, 0);
  s = states();
  EXPECT_EQ(s["clipped/x=1"], "input-missing");
  EXPECT_EQ(s["summary/x=1"], "input-missing");
}

TEST_F(StalenessCliTest, LineageDrawsInputsAndReadersInEveryFormat) {
  const nlohmann::json g = json_of({"lineage", "clipped/x=1", "--format", "json"});
  std::vector<std::string> keys;
  for (const auto& n : g["nodes"]) keys.push_back(n["key"].get<std::string>());
  EXPECT_THAT(keys, UnorderedElementsAre("raw/x=1", "clipped/x=1", "summary/x=1"));
  ASSERT_EQ(g["edges"].size(), 2u);
  for (const auto& n : g["nodes"]) {
    EXPECT_EQ(n["state"], "fresh");
    EXPECT_FALSE(n["user"].get<std::string>().empty());
    EXPECT_TRUE(n["compute_seconds"].is_number()) << n.dump();
  }
  // --up / --down bound the walk.
  EXPECT_EQ(json_of({"lineage", "clipped/x=1", "--up", "0", "--format", "json"})["nodes"].size(),
            2u);
  EXPECT_EQ(json_of({"lineage", "summary", "--down", "0", "--up", "1"})["nodes"].size(), 2u);
  const auto svg = run_cli({"lineage", "summary", "--format", "svg"});
  EXPECT_EQ(svg.status, 0);
  EXPECT_THAT(svg.out, HasSubstr("<svg"));
  EXPECT_THAT(svg.out, HasSubstr("raw/x=1"));
  const auto dot = run_cli({"lineage", "summary", "--format", "dot"});
  EXPECT_THAT(dot.out, HasSubstr("->"));
  const auto html = run_cli({"lineage", "summary", "--format", "html", "-o", "lineage.html"});
  EXPECT_EQ(html.status, 0) << html.err;
  EXPECT_TRUE(std::filesystem::exists("lineage.html"));
  // A deleted input is drawn as missing; an unknown key fails by name.
  ASSERT_EQ(run_cli({"delete", "raw", "--force"}).status, 0);
  bool missing = false;
  const nlohmann::json after = json_of({"lineage", "clipped"});
  for (const auto& n : after["nodes"]) {
    if (n["key"] == "raw/x=1") missing = n["state"] == "missing";
  }
  EXPECT_TRUE(missing) << after.dump(1);
  const auto unknown = run_cli({"lineage", "no_such_function"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no entries matching 'no_such_function'"));
  EXPECT_EQ(run_cli({"lineage", "clipped", "--format", "png"}).status, 2);
}

TEST_F(StalenessCliTest, DeleteDownstreamRemovesEveryDerivedEntry) {
  const auto dry = run_cli({"delete", "raw", "--downstream", "--dry-run"});
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("summary/x=1"));
  EXPECT_THAT(dry.out, HasSubstr("Would delete 3 entries"));
  EXPECT_EQ(states().size(), 4u) << "a dry run deleted something";
  const auto done = run_cli({"delete", "raw", "--downstream", "--force"});
  EXPECT_EQ(done.status, 0) << done.err;
  EXPECT_THAT(states(), (std::map<std::string, std::string>{{"other/x=1", "fresh"}}));
}

}  // namespace
