// Staleness (DESIGN §4): an entry recorded with other code components, or whose inputs
// were recomputed or deleted since, is stale; on_stale decides what a hit on it does;
// status() tells it without computing; bless() makes changed code equivalent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/log.hpp"
#include "location/staleness.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

class StalenessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nh::log::set_capture(true);
    nh::staleness::forget_answers();
  }
  void TearDown() override { nh::log::set_capture(false); }

  nh::Manifest root_manifest(const std::string& key, const std::string& backend = "basic") {
    nh::EntryStore store(nh::StorageRegistry::open(project_.root().string()), "root");
    return store.find("_", key, backend).value().manifest;
  }

  nh::testing::TempProject project_;
};

auto square(int& computed, std::string code_version, std::optional<nh::OnStale> on_stale = {}) {
  return nh::cache("square", {"x"},
                   {.cache_args = {"x"}, .on_stale = on_stale, .code_version = code_version},
                   [&computed](int x) {
                     ++computed;
                     return x * x;
                   });
}

TEST_F(StalenessTest, ManifestsRecordComponentsAndComputeTime) {
  int computed = 0;
  EXPECT_EQ(square(computed, "src-1")(3), 9);
  const nh::Manifest m = root_manifest("square/x=3");
  EXPECT_THAT(m.code_components,
              ElementsAre(std::pair<const std::string, std::string>("code_version", "src-1"),
                          std::pair<const std::string, std::string>("version", "")));
  EXPECT_EQ(m.code, "cxx:" + nh::fingerprint_digest(m.code_components));
  EXPECT_GE(m.compute_seconds, 0.0);
  // The fields survive a round trip through JSON.
  const nh::Manifest back = nh::manifest_from_json(nh::manifest_to_json(m), "test");
  EXPECT_EQ(back.code_components, m.code_components);
  EXPECT_DOUBLE_EQ(back.compute_seconds, m.compute_seconds);
}

TEST_F(StalenessTest, EachPolicyActsOnAChangedCodeVersion) {
  int computed = 0;
  EXPECT_EQ(square(computed, "src-1")(4), 16);
  nh::log::take_captured();
  // warn (default): the entry, and one warning naming the component, once per entry.
  EXPECT_EQ(square(computed, "src-2")(4), 16);
  EXPECT_EQ(square(computed, "src-2")(4), 16);
  EXPECT_EQ(computed, 1);
  const std::string warned = nh::log::take_captured();
  EXPECT_THAT(warned, HasSubstr("code_version changed (src-1 -> src-2)"));
  EXPECT_EQ(warned.find("is stale"), warned.rfind("is stale")) << warned;
  // ignore: the entry, silently.
  EXPECT_EQ(square(computed, "src-2", nh::OnStale::ignore)(4), 16);
  EXPECT_EQ(nh::log::take_captured(), "");
  // fail: StaleEntryError naming the change.
  try {
    square(computed, "src-2", nh::OnStale::fail)(4);
    FAIL() << "no StaleEntryError";
  } catch (const nh::StaleEntryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("code_version changed"));
    EXPECT_THAT(e.what(), HasSubstr("square/x=4"));
  }
  // recompute: computed again and replaced; then fresh.
  EXPECT_EQ(square(computed, "src-2", nh::OnStale::recompute)(4), 16);
  EXPECT_EQ(computed, 2);
  EXPECT_EQ(root_manifest("square/x=4").code_components.at("code_version"), "src-2");
  EXPECT_EQ(square(computed, "src-2", nh::OnStale::fail)(4), 16);
  // Changing it back makes the entry recorded with src-1's... stale again: it is src-2's now.
  EXPECT_THROW(square(computed, "src-1", nh::OnStale::fail)(4), nh::StaleEntryError);
  EXPECT_EQ(computed, 2);
}

TEST_F(StalenessTest, ThePolicyComesFromTheCallAndTheConfiguration) {
  int computed = 0;
  square(computed, "a")(5);
  nh::set_parameter("on_stale", nh::Value("fail"));
  EXPECT_THROW(square(computed, "b")(5), nh::StaleEntryError);
  EXPECT_EQ(square(computed, "b").with({.on_stale = nh::OnStale::ignore})(5), 25);
  EXPECT_EQ(computed, 1);
  EXPECT_THROW(nh::set_parameter("on_stale", nh::Value("sometimes")), nh::ConfigError);
  EXPECT_THROW(nh::parse_on_stale("never"), nh::ConfigError);
  // By name, as Python and the configuration give it.
  EXPECT_THROW(square(computed, "b").with({.on_stale = "fail"})(5), nh::StaleEntryError);
  EXPECT_THROW(nh::CallOptions{.on_stale = "sometimes"}, nh::ConfigError);
  EXPECT_EQ(nh::to_string(nh::OnStale("recompute")), "recompute");
}

TEST_F(StalenessTest, UpstreamChangesMakeReadersStaleAndRecomputeOnlyThem) {
  int inner_runs = 0;
  int outer_runs = 0;
  auto inner = nh::cache("inner", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++inner_runs;
    return x + 1;
  });
  auto outer = nh::cache("outer", {"x"}, {.cache_args = {"x"}, .on_stale = nh::OnStale::recompute},
                         [&](int x) {
                           ++outer_runs;
                           return inner(x) * 10;
                         });
  EXPECT_EQ(outer(1), 20);
  ASSERT_EQ(root_manifest("outer/x=1").inputs.size(), 1u);
  auto outer_status = [&] { return nh::engine::status(outer.spec(), {{nh::Value(1)}, {}}, {}); };
  EXPECT_EQ(outer_status().state, "fresh");
  // The input recomputed: the reader is stale, and recomputing it recomputes it alone.
  inner.with({.recompute = true, .force_overwrite = true})(1);
  EXPECT_EQ(inner_runs, 2);
  const nh::engine::EntryStatus stale = outer_status();
  EXPECT_EQ(stale.state, "stale");
  EXPECT_THAT(stale.reasons, ElementsAre(HasSubstr("input 'inner/x=1' at root was recomputed")));
  EXPECT_EQ(outer(1), 20);
  EXPECT_EQ(outer_runs, 2);
  EXPECT_EQ(inner_runs, 2);
  EXPECT_EQ(outer_status().state, "fresh");
  // The input deleted: stale, with input_missing.
  nh::engine::remove(inner.spec(), {{nh::Value(1)}, {}}, {}, false);
  const nh::engine::EntryStatus missing = outer_status();
  EXPECT_EQ(missing.state, "stale");
  EXPECT_TRUE(missing.input_missing);
  EXPECT_THAT(missing.reasons, ElementsAre(HasSubstr("was deleted")));
}

TEST_F(StalenessTest, AnInputOfAnInputCountsTransitively) {
  auto a = nh::cache("a", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
  auto b = nh::cache("b", {"x"}, {.cache_args = {"x"}}, [&](int x) { return a(x) + 1; });
  auto c = nh::cache("c", {"x"}, {.cache_args = {"x"}}, [&](int x) { return b(x) + 1; });
  EXPECT_EQ(c(1), 3);
  a.with({.recompute = true, .force_overwrite = true})(1);
  const auto s = nh::engine::status(c.spec(), {{nh::Value(1)}, {}}, {});
  EXPECT_EQ(s.state, "stale");
  EXPECT_THAT(s.reasons, ElementsAre(HasSubstr("input 'b/x=1' at root is stale (input 'a/x=1'")));
}

TEST_F(StalenessTest, BlessRecordsTheCurrentCodeAndKeepsTheHistory) {
  int computed = 0;
  square(computed, "v1")(6);
  auto changed = square(computed, "v2");
  const nh::CallArgs args{{nh::Value(6)}, {}};
  EXPECT_EQ(nh::engine::status(changed.spec(), args, {}).state, "stale");
  EXPECT_TRUE(nh::engine::bless(changed.spec(), args, {}));
  EXPECT_EQ(nh::engine::status(changed.spec(), args, {}).state, "fresh");
  const nh::Manifest m = root_manifest("square/x=6");
  EXPECT_EQ(m.code_components.at("code_version"), "v2");
  ASSERT_EQ(m.code_history.size(), 1u);
  EXPECT_EQ(m.code_history[0]["code_components"]["code_version"], nh::Value("v1"));
  EXPECT_EQ(changed(6), 36);
  EXPECT_EQ(computed, 1);
  EXPECT_FALSE(nh::engine::bless(changed.spec(), {{nh::Value(7)}, {}}, {}));
  EXPECT_EQ(nh::engine::status(changed.spec(), {{nh::Value(7)}, {}}, {}).state, "missing");
}

TEST(CodeChanges, NamesWhatChangedAndLeavesPackagesOutUnlessAsked) {
  const std::map<std::string, std::string> before{{"helper `h` in p/a.py", "1"},
                                                  {"package numpy", "1.26.0"},
                                                  {"constant `K` in p/a.py", "5"}};
  std::map<std::string, std::string> after = before;
  after["helper `h` in p/a.py"] = "2";
  after["package numpy"] = "2.0.0";
  after.erase("constant `K` in p/a.py");
  after["closure `n` of `f`"] = "3";
  EXPECT_THAT(nh::staleness::code_changes(before, after, false),
              ElementsAre("constant `K` in p/a.py was removed", "helper `h` in p/a.py changed",
                          "closure `n` of `f` was added"));
  EXPECT_THAT(nh::staleness::code_changes(before, after, true),
              ::testing::Contains("package numpy changed (1.26.0 -> 2.0.0)"));
  EXPECT_TRUE(nh::staleness::code_changes({}, after, true).empty());
}

}  // namespace

namespace {

// Staleness is judged only for an entry the call would use: a null entry that
// retry_null_cache recomputes anyway is recomputed, never refused as stale.
TEST_F(StalenessTest, AnEntryTheCallRecomputesAnywayIsNotJudged) {
  int calls = 0;
  auto maybe = [&](std::string code_version) {
    return nh::cache("maybe_stale", {},
                     {.on_stale = nh::OnStale::fail, .code_version = code_version},
                     [&]() -> std::optional<int> {
                       ++calls;
                       return std::nullopt;
                     });
  };
  EXPECT_EQ(maybe("src-1")(), std::nullopt);
  EXPECT_THROW(maybe("src-2")(), nh::StaleEntryError);  // used as it is: judged
  EXPECT_EQ(maybe("src-2").with({.retry_null_cache = true})(), std::nullopt);
  EXPECT_EQ(calls, 2);
}

}  // namespace

namespace {

// Answers about inputs are reused across this process's own commits unless a commit lands
// on a place an answer names: then they are forgotten at once. (A change made behind the
// engine's back, as by another process, is seen once the reuse window ends.)
TEST_F(StalenessTest, OnlyACommitAtAKeptPlaceForgetsTheKeptAnswers) {
  int inner_runs = 0;
  auto inner = nh::cache("inner", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++inner_runs;
    return x + 1;
  });
  auto outer = nh::cache("outer", {"x"}, {.cache_args = {"x"}},
                         [&](int x) { return inner(x) * 10; });
  auto other = nh::cache("other", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
  EXPECT_EQ(outer(1), 20);
  auto outer_state = [&] {
    return nh::engine::status(outer.spec(), {{nh::Value(1)}, {}}, {}).state;
  };
  EXPECT_EQ(outer_state(), "fresh");  // keeps the answer about inner/x=1
  // Another "process" deletes the input; this process does not know yet.
  nh::EntryStore store(nh::StorageRegistry::open(project_.root().string()), "root");
  store.remove("_", "inner/x=1", "basic");
  EXPECT_EQ(other(5), 5);  // a commit elsewhere keeps the answers
  EXPECT_EQ(outer_state(), "fresh");
  EXPECT_EQ(inner(1), 2);  // a commit at the kept place forgets them
  EXPECT_EQ(inner_runs, 2);
  EXPECT_EQ(outer_state(), "stale");
}

}  // namespace
