// Behaviour of the engine through the typed C++ API, on the file driver.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/log.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"
#include "support/value_decides_adapter.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { nh::log::set_capture(true); }
  void TearDown() override { nh::log::set_capture(false); }

  /// The manifest of an entry at a location directory, or nullopt.
  std::optional<nh::Manifest> manifest(const fs::path& location, const std::string& key,
                                       const std::string& backend = "basic",
                                       const std::string& ns = "_") {
    nh::EntryStore store(nh::StorageRegistry::open(location.string()), "test");
    auto rec = store.find(ns, key, backend);
    if (!rec) return std::nullopt;
    return rec->manifest;
  }

  nh::testing::TempProject project_;
};

TEST_F(EngineTest, SecondCallIsRecalledNotRecomputed) {
  int calls = 0;
  auto f = nh::cache("double_it", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return x * 2;
  });
  EXPECT_EQ(f(21), 42);
  EXPECT_EQ(f(21), 42);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f(5), 10);
  EXPECT_EQ(calls, 2);
  auto m = manifest(project_.root(), "double_it/x=21");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "double_it");
  EXPECT_EQ(m->state, "confirmed");
  EXPECT_EQ(m->args["x"].as<int>(), 21);
  EXPECT_EQ(m->entry_id.size(), 26u);
  EXPECT_TRUE(m->inline_data.has_value());  // small values are inlined
  EXPECT_THAT(m->checksum, HasSubstr("xxh3-128:"));
  EXPECT_FALSE(m->created.empty());
  EXPECT_FALSE(m->engine_version.empty());
}

TEST_F(EngineTest, OnlyCacheArgsKeyTheEntry) {
  int calls = 0;
  auto f = nh::cache("keyed", {"a", "b"}, {.cache_args = {"a"}}, [&](int a, std::string b) {
    ++calls;
    return a;
  });
  f(1, "x");
  f(1, "y");  // b is not a cache argument: same entry
  EXPECT_EQ(calls, 1);
  f(2, "x");
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(manifest(project_.root(), "keyed/a=1"));
}

TEST_F(EngineTest, NoCacheArgsMeansOneEntryForTheFunction) {
  int calls = 0;
  auto f = nh::cache("whole", {"a"}, {}, [&](int a) { return ++calls; });
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(f(2), 1);
  EXPECT_TRUE(manifest(project_.root(), "whole"));
}

TEST_F(EngineTest, LargeValuesGoToAPayloadFileWithChecksum) {
  auto f = nh::cache("big", {}, {}, [] { return std::vector<double>(10000, 1.5); });
  auto v = f();
  EXPECT_EQ(v.size(), 10000u);
  auto m = manifest(project_.root(), "big");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->inline_data);
  EXPECT_THAT(m->payload, HasSubstr("data/_/big/basic-"));
  EXPECT_TRUE(fs::exists(project_.root() / m->payload));
  EXPECT_EQ(f(), v);
}

TEST_F(EngineTest, NamespacesSeparateEntries) {
  int calls = 0;
  auto f = nh::cache("spaced", {}, {}, [&] { return ++calls; });
  EXPECT_EQ(f(), 1);
  EXPECT_EQ(f.with({.ns = "experiment2"})(), 2);
  EXPECT_EQ(f.with({.ns = "experiment2"})(), 2);
  EXPECT_EQ(f(), 1);
  EXPECT_TRUE(manifest(project_.root(), "spaced", "basic", "experiment2"));
  EXPECT_THROW(f.with({.ns = "../escape"})(), nh::KeyError);
  EXPECT_THROW(f.with({.ns = "a/b"})(), nh::KeyError);
  EXPECT_FALSE(fs::exists(project_.dir() / "escape"));
}

TEST_F(EngineTest, ValuesCannotEscapeTheLocation) {
  auto f = nh::cache("esc", {"p"}, {.cache_args = {"p"}}, [](std::string p) { return p; });
  for (const std::string& evil : std::vector<std::string>{"../../x", "/etc/passwd", std::string("a\0b", 3), "..", "."}) {
    EXPECT_EQ(f(evil), evil);
    EXPECT_EQ(f(evil), evil);
  }
  for (auto& e : fs::recursive_directory_iterator(project_.dir())) {
    auto rel = fs::relative(e.path(), project_.dir()).string();
    EXPECT_TRUE(rel.rfind("root", 0) == 0 || rel == "nuthatch.toml" || rel.rfind("home", 0) == 0)
        << rel;
  }
}

TEST_F(EngineTest, VersionMismatchRecomputesAndOverwrites) {
  int calls = 0;
  auto v1 = nh::cache("versioned", {}, {.version = "1"}, [&] { return ++calls; });
  auto v2 = nh::cache("versioned", {}, {.version = "2"}, [&] { return ++calls; });
  EXPECT_EQ(v1(), 1);
  EXPECT_EQ(v2(), 2);  // invisible old version: recomputed and overwritten without asking
  EXPECT_EQ(v2(), 2);
  EXPECT_EQ(manifest(project_.root(), "versioned")->version, "2");
}

TEST_F(EngineTest, NullEntriesAndRetry) {
  int calls = 0;
  auto f = nh::cache("maybe", {}, {}, [&]() -> std::optional<int> {
    ++calls;
    return std::nullopt;
  });
  EXPECT_EQ(f(), std::nullopt);
  EXPECT_EQ(f(), std::nullopt);
  EXPECT_EQ(calls, 1);
  auto m = manifest(project_.root(), "maybe", "null");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_null());
  EXPECT_EQ(f.with({.retry_null_cache = true})(), std::nullopt);
  EXPECT_EQ(calls, 2);
  // A value replaces the null entry.
  auto g = nh::cache("maybe", {}, {}, [&]() -> std::optional<int> { return 7; });
  EXPECT_EQ(g.with({.retry_null_cache = true})(), 7);
  EXPECT_EQ(g(), 7);
  EXPECT_FALSE(manifest(project_.root(), "maybe", "null"));
}

TEST_F(EngineTest, CacheDisableIf) {
  int calls = 0;
  auto f = nh::cache("dis", {"x"},
                     {.cache_args = {"x"}, .cache_disable_if = {{{"x", {nh::Value(1), nh::Value(2)}}}}},
                     [&](int x) { return ++calls; });
  f(1);
  f(1);
  EXPECT_EQ(calls, 2);
  f(3);
  f(3);
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(manifest(project_.root(), "dis/x=1"));
}

TEST_F(EngineTest, RecomputeKeepsExistingWhenNotInteractive) {
  int calls = 0;
  auto f = nh::cache("re", {}, {}, [&] { return ++calls; });
  EXPECT_EQ(f(), 1);
  nh::log::take_captured();
  EXPECT_EQ(f.with({.recompute = true})(), 2);  // fresh value returned ...
  EXPECT_THAT(nh::log::take_captured(), HasSubstr("keeping the existing cache entry"));
  EXPECT_EQ(f(), 1);  // ... but the stored one kept
  EXPECT_EQ(f.with({.recompute = true, .force_overwrite = true})(), 3);
  EXPECT_EQ(f(), 3);
  EXPECT_EQ(f.with({.recompute = true, .force_overwrite = false})(), 4);
  EXPECT_EQ(f(), 3);
}

TEST_F(EngineTest, OverwriteModeReplaces) {
  int calls = 0;
  auto f = nh::cache("ow", {}, {}, [&] { return ++calls; });
  f();
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})(), 2);
  EXPECT_EQ(f(), 2);
}

TEST_F(EngineTest, RecomputeNamesPropagateToNestedCalls) {
  int inner_calls = 0, outer_calls = 0;
  auto inner = nh::cache("inner", {}, {}, [&] { return ++inner_calls; });
  auto outer = nh::cache("outer", {}, {}, [&] {
    ++outer_calls;
    return inner() * 100;
  });
  EXPECT_EQ(outer(), 100);
  EXPECT_EQ(outer.with({.recompute = true, .force_overwrite = true})(), 100);
  EXPECT_EQ(inner_calls, 1);  // True: this function only
  EXPECT_EQ(outer_calls, 2);
  EXPECT_EQ(outer.with({.recompute = nh::Recompute::names({"outer", "inner"}),
                        .force_overwrite = true})(),
            200);
  EXPECT_EQ(inner_calls, 2);
  EXPECT_EQ(inner(), 2);  // overwritten too (force_overwrite propagates)
  EXPECT_EQ(outer.with({.recompute = nh::Recompute::all(), .force_overwrite = true})(), 300);
  EXPECT_EQ(inner_calls, 3);
  // A name list applies to the top-level function even when it is not listed.
  EXPECT_EQ(outer.with({.recompute = "inner", .force_overwrite = true})(), 400);
  EXPECT_EQ(outer_calls, 5);
}

TEST_F(EngineTest, NestedCallsInheritCacheMode) {
  int inner_calls = 0;
  auto inner = nh::cache("inner_mode", {}, {}, [&] { return ++inner_calls; });
  auto outer = nh::cache("outer_mode", {}, {}, [&] { return inner(); });
  outer.with({.cache_mode = nh::CacheMode::off})();
  EXPECT_FALSE(manifest(project_.root(), "inner_mode"));
  EXPECT_FALSE(manifest(project_.root(), "outer_mode"));
  outer();
  EXPECT_TRUE(manifest(project_.root(), "inner_mode"));
}

TEST_F(EngineTest, LineageRecordsNestedEntries) {
  auto inner = nh::cache("lin_inner", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
  auto outer = nh::cache("lin_outer", {}, {}, [&] { return inner(1) + inner(2); });
  outer();
  auto m = manifest(project_.root(), "lin_outer");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->inputs.size(), 2u);
  EXPECT_EQ(m->inputs[0].key, "lin_inner/x=1");
  EXPECT_EQ(m->inputs[1].key, "lin_inner/x=2");
  EXPECT_EQ(m->inputs[0].entry_id, manifest(project_.root(), "lin_inner/x=1")->entry_id);
  EXPECT_FALSE(m->code.empty());
}

TEST_F(EngineTest, ContextCanBeCapturedForWorkerThreads) {
  int inner_calls = 0;
  auto inner = nh::cache("ctx_inner", {}, {}, [&] { return ++inner_calls; });
  auto outer = nh::cache("ctx_outer", {}, {}, [&] {
    auto ctx = nh::CallContext::capture();
    int v = 0;
    std::thread t([&] {
      nh::CallContext::Scope in(ctx);
      v = inner();
    });
    t.join();
    return v;
  });
  outer();
  outer.with({.recompute = nh::Recompute::all(), .force_overwrite = true})();
  EXPECT_EQ(inner_calls, 2);
  EXPECT_EQ(manifest(project_.root(), "ctx_outer")->inputs.size(), 1u);
}

TEST_F(EngineTest, MemoizerServesWithoutStorage) {
  int calls = 0;
  auto f = nh::cache("memo", {"x"}, {.cache_args = {"x"}}, [&](int x) { return ++calls; });
  f.with({.memoize = true})(1);
  fs::remove_all(project_.root());
  EXPECT_EQ(f.with({.memoize = true})(1), 1);  // from memory
  EXPECT_EQ(calls, 1);
  nh::clear_memoizer();
  EXPECT_EQ(f.with({.memoize = true})(1), 2);  // storage gone, memory cleared
}

TEST_F(EngineTest, MemoizerBudgetEvictsLeastRecentlyUsed) {
  nh::set_parameter("memoize_max_bytes", 3000);
  int calls = 0;
  auto f = nh::cache("lru", {"x"}, {.cache = false, .memoize = true}, [&](int x) {
    ++calls;
    return std::string(1000, 'a');
  });
  f(1), f(2);
  f(1);         // 1 is now most recently used
  f(3), f(4);   // evicts 2 then 1? budget 3000 holds two strings of ~1032 bytes
  int before = calls;
  f(4);
  EXPECT_EQ(calls, before);
  f(2);
  EXPECT_EQ(calls, before + 1);
}

TEST_F(EngineTest, StrictModesRaiseOnMiss) {
  auto f = nh::cache("strict", {}, {}, [] { return 1; });
  EXPECT_THROW(f.with({.cache_mode = nh::CacheMode::read_only_strict})(), nh::CacheMissError);
  EXPECT_THROW(f.with({.cache_mode = nh::CacheMode::local_api})(), nh::CacheMissError);
  EXPECT_THROW(f.with({.fail_if_no_cache = true})(), nh::CacheMissError);
  f();
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::read_only_strict})(), 1);
  try {
    nh::cache("strict2", {}, {}, [] { return 1; }).with({.cache_mode = nh::CacheMode::read_only_strict})();
  } catch (const nh::CacheMissError& e) {
    EXPECT_THAT(e.what(), HasSubstr("strict2"));
    EXPECT_THAT(e.what(), HasSubstr("read_only_strict"));
  }
}

TEST_F(EngineTest, ModesReadAndWriteTheRightLevels) {
  auto f = nh::cache("lv", {}, {}, [] { return 5; });
  auto in_root = [&] { return manifest(project_.root(), "lv").has_value(); };
  auto in_local = [&] { return manifest(project_.local(), "lv").has_value(); };
  f.with({.cache_mode = nh::CacheMode::read_only})();
  EXPECT_FALSE(in_root() || in_local());
  f.with({.cache_mode = nh::CacheMode::local})();
  EXPECT_TRUE(in_local());
  EXPECT_FALSE(in_root());
  f.with({.cache_mode = nh::CacheMode::write})();
  EXPECT_TRUE(in_root());
  fs::remove_all(project_.local());
  f.with({.cache_mode = nh::CacheMode::local_sync})();  // read root, write local
  EXPECT_TRUE(in_local());
  fs::remove_all(project_.root());
  int calls = 0;
  auto g = nh::cache("lv", {}, {}, [&] { return ++calls; });
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::local_strict})(), 5);  // local only
  EXPECT_EQ(g.with({.cache_mode = nh::offline})(), 5);
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::write})(), 1);  // write ignores local
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::off})(), 2);
  EXPECT_EQ(nh::parse_cache_mode("offline"), nh::CacheMode::local_strict);
  EXPECT_THROW(nh::parse_cache_mode("sometimes"), nh::ConfigError);
}

TEST_F(EngineTest, LocalLevelUsesTheMemoKey) {
  auto f = nh::cache("lk", {"a", "b"}, {.cache_args = {"a"}}, [](int a, int b) { return a + b; });
  f.with({.cache_mode = nh::CacheMode::local})(1, 2);
  // The cache key, then a hash of the other arguments (never their values).
  auto m = manifest(project_.local(), nh::local_key("lk/a=1", {{"b", 2}}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->args, nh::Value::object({{"a", 1}}));
  EXPECT_FALSE(manifest(project_.root(), "lk/a=1"));
}

TEST_F(EngineTest, ConfiguredCacheMode) {
  nh::set_parameter("cache_mode", "local");
  auto f = nh::cache("cfgmode", {}, {}, [] { return 1; });
  f();
  EXPECT_TRUE(manifest(project_.local(), "cfgmode"));
  EXPECT_THROW(nh::set_parameter("cache_mode", "bogus"), nh::ConfigError);
}

TEST_F(EngineTest, MirrorsAreReadButNeverWritten) {
  fs::path mirror = project_.dir() / "mirror";
  {
    nh::set_parameter("filesystem", mirror.string());
    nh::cache("mirrored", {}, {}, [] { return 11; })();
  }
  project_.write_toml("[nuthatch.mirror-pub]\nfilesystem = \"" + mirror.string() + "\"\n");
  int calls = 0;
  auto f = nh::cache("mirrored", {}, {}, [&] { return ++calls; });
  EXPECT_EQ(f(), 11);  // from the mirror
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(manifest(project_.root(), "mirrored"));  // copied to root (another level)
  nh::EntryStore ro(nh::StorageRegistry::open(mirror.string()), "mirror-pub", true);
  nh::Manifest m;
  m.name = "x";
  m.key = "x";
  m.backend = "basic";
  EXPECT_THROW(ro.commit(m, nh::Boxed::make(nh::Value(1)), &nh::CodecRegistry::get("basic"),
                         nh::Value::object(), std::nullopt, true),
               nh::StorageError);
}

TEST_F(EngineTest, CorruptPayloadIsAMissNotData) {
  auto f = nh::cache("corrupt", {}, {}, [] { return std::vector<int>(5000, 7); });
  f();
  auto m = manifest(project_.root(), "corrupt");
  ASSERT_TRUE(m && !m->payload.empty());
  {
    std::fstream file(project_.root() / m->payload, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x55');
  }
  nh::log::take_captured();
  int calls = 0;
  auto g = nh::cache("corrupt", {}, {}, [&] {
    ++calls;
    return std::vector<int>(5000, 8);
  });
  EXPECT_EQ(g()[0], 8);  // recomputed, and the corrupt entry replaced
  EXPECT_EQ(calls, 1);
  std::string log = nh::log::take_captured();
  EXPECT_THAT(log, HasSubstr("corrupt"));
  EXPECT_THAT(log, HasSubstr("checksum"));
  EXPECT_EQ(g()[0], 8);
  fs::remove(project_.root() / manifest(project_.root(), "corrupt")->payload);
  EXPECT_EQ(g()[0], 8);
  EXPECT_EQ(calls, 2);
  EXPECT_THAT(nh::log::take_captured(), HasSubstr("missing"));
}

TEST_F(EngineTest, UriNamesThePayload) {
  auto f = nh::cache("where", {"x"}, {.cache_args = {"x"}}, [](int x) { return std::vector<int>(5000, x); });
  std::string u = f.uri(3);  // computes and writes on a miss
  EXPECT_THAT(u, HasSubstr("data/_/where/x=3/basic-"));
  EXPECT_TRUE(fs::exists(u));
  EXPECT_EQ(f.uri(3), u);
}

struct Unkeyable {};
nh::Value to_value(const Unkeyable&) { throw std::runtime_error("no key for this"); }

TEST_F(EngineTest, UnkeyableArgumentTurnsCachingOffWithWarning) {
  int calls = 0;
  auto f = nh::cache("unkeyable", {"u"}, {.cache_args = {"u"}}, [&](Unkeyable) { return ++calls; });
  nh::log::take_captured();
  f(Unkeyable{});
  f(Unkeyable{});
  EXPECT_EQ(calls, 2);
  EXPECT_THAT(nh::log::take_captured(), HasSubstr("argument 'u' of unkeyable"));
}

TEST_F(EngineTest, DeclarationErrors) {
  EXPECT_THROW(nh::cache("bad name", {}, {}, [] { return 1; }), nh::KeyError);
  EXPECT_THROW(nh::cache("f", {"a"}, {}, [] { return 1; }), nh::ConfigError);
  EXPECT_THROW(nh::cache("f", {"a"}, {.cache_args = {"b"}}, [](int) { return 1; }),
               nh::ConfigError);
  EXPECT_THROW(nh::cache("f", {}, {}, [] { return 1; }).with({.backend = "blob"})(),
               nh::ConfigError);
  EXPECT_THROW(nh::cache("f", {}, {}, [] { return 1; }).with({.backend = "nope"})(),
               nh::ConfigError);
}

struct RejectOdd final : nh::Processor {
  std::string name() const override { return "reject_odd"; }
  bool validate(const nh::Boxed& r, const nh::Arguments&) const override {
    return r.as<int>() % 2 == 0;
  }
  nh::Boxed post_process(nh::Boxed r, const nh::Arguments& a) const override {
    return nh::Boxed::make<int>(r.as<int>() + a.find("add")->as<int>());
  }
};

TEST_F(EngineTest, ProcessorsShapeResultsAndRejectStaleEntries) {
  auto proc = std::make_shared<RejectOdd>();
  int value = 2;
  auto f = nh::cache("proc", {"add"}, {.processors = {proc}}, [&](int) { return value; });
  EXPECT_EQ(f(10), 12);  // stored raw (2), returned processed
  EXPECT_EQ(f(100), 102);
  // A stored entry the processor rejects is an error, as in the original Nuthatch ...
  auto g = nh::cache("proc", {"add"}, {}, [&](int) { return 3; });
  g.with({.recompute = true, .force_overwrite = true})(0);
  value = 4;
  EXPECT_THROW(f(1), nh::ValidationError);
  // ... unless the call asks to recompute and replace it.
  EXPECT_EQ(f.with({.recompute_invalid = true})(1), 5);
  EXPECT_EQ(f(1), 5);
  value = 5;  // a computed result that fails
  EXPECT_THROW(f.with({.recompute = true})(1), nh::ValidationError);
  // The decorator's recompute_invalid heals every call.
  g.with({.recompute = true, .force_overwrite = true})(0);
  value = 6;
  auto healing = nh::cache("proc", {"add"}, {.processors = {proc}, .recompute_invalid = true},
                           [&](int) { return value; });
  EXPECT_EQ(healing(1), 7);
}

TEST_F(EngineTest, ConcurrentCallsEndWithOneCompleteEntry) {
  std::atomic<int> calls{0};
  auto f = nh::cache("race", {}, {}, [&] {
    ++calls;
    return std::vector<int>(6000, 9);
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) EXPECT_EQ(f()[5999], 9);
    });
  }
  for (auto& t : threads) t.join();
  auto m = manifest(project_.root(), "race");
  ASSERT_TRUE(m);
  int payloads = 0;
  for (auto& e : fs::recursive_directory_iterator(project_.root() / "data")) {
    if (e.is_regular_file()) ++payloads;
  }
  EXPECT_EQ(payloads, 1);  // losers' payloads were discarded
}

}  // namespace

namespace {

TEST_F(EngineTest, PerBackendOverrideSendsThatBackendElsewhere) {
  fs::path blobs = project_.dir() / "blobs";
  project_.write_toml("[nuthatch.root.blob]\nfilesystem = \"" + blobs.string() + "\"\n");
  auto f = nh::cache("raw", {}, {}, [] { return nh::Bytes(std::string("\x00\x01payload", 9)); });
  auto g = nh::cache("plain", {}, {}, [] { return 1; });
  EXPECT_EQ(f().size(), 9u);
  g();
  EXPECT_TRUE(manifest(blobs, "raw", "blob"));
  EXPECT_FALSE(manifest(project_.root(), "raw", "blob"));
  EXPECT_TRUE(manifest(project_.root(), "plain"));
  EXPECT_EQ(f().view(), std::string_view("\x00\x01payload", 9));
}

TEST_F(EngineTest, DynamicSecretProviderIsLazyAndMasked) {
  int provided = 0;
  nh::config_parameter(
      "filesystem_options",
      [&] {
        ++provided;
        return nh::Value::object({{"fsync", false}, {"secret", "hunter2-very-secret"}});
      },
      {.secret = true});
  EXPECT_EQ(provided, 0);  // lazily called
  auto f = nh::cache("lazy", {}, {}, [] { return 1; });
  f();
  f();
  EXPECT_EQ(provided, 1);
  nh::log::warn("the secret is hunter2-very-secret");
  std::string log = nh::log::take_captured();
  EXPECT_THAT(log, HasSubstr("****"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("hunter2-very-secret")));
  nh::config_parameter("filesystem_options", []() -> nh::Value { throw std::runtime_error("vault down"); });
  try {
    f.with({.recompute = true})();
    FAIL();
  } catch (const nh::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("filesystem_options"));
    EXPECT_THAT(e.what(), HasSubstr("vault down"));
  }
  EXPECT_TRUE(manifest(project_.root(), "lazy"));  // nothing stored was touched
}

}  // namespace

namespace {

using ValueDependentAdapter = nh::testing::ValueDecidesAdapter;

TEST_F(EngineTest, DiscoveredBackendsAreFoundWhicheverBackendTheLastEntryUsed) {
  nh::FunctionSpec fn{"mixed", {"x"}, {.cache_args = {"x"}},
                      std::make_shared<ValueDependentAdapter>(), ""};
  int computed = 0;
  auto call = [&](std::int64_t x) {
    return nh::engine::call(fn, nh::CallArgs{{nh::Value(x)}, {}}, {}, [&] {
      ++computed;
      return x == 2 ? nh::Boxed::make(nh::Value("two")) : nh::Boxed::make(nh::Value(x));
    }).as<nh::Value>();
  };
  EXPECT_EQ(call(1), nh::Value(1));      // basic
  EXPECT_EQ(call(2), nh::Value("two"));  // blob: the hint is now blob
  EXPECT_EQ(computed, 2);
  EXPECT_EQ(call(1), nh::Value(1));      // the blob hint misses; the listing finds basic
  EXPECT_EQ(call(2), nh::Value("two"));
  EXPECT_EQ(call(1), nh::Value(1));
  EXPECT_EQ(computed, 2);
  EXPECT_TRUE(manifest(project_.root(), "mixed/x=1", "basic"));
  EXPECT_TRUE(manifest(project_.root(), "mixed/x=2", "blob"));
}

}  // namespace
