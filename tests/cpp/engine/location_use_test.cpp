// The engine's use of locations and of the settings that follow the configuration: a
// result whose backend the value decides is written to (and found in) that backend's own
// storage; options the engine does not implement are refused by name; runtime settings
// take effect when the configuration changes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "common/log.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/memory.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"
#include "support/value_decides_adapter.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

using ValueDecides = nh::testing::ValueDecidesAdapter;

class LocationUseTest : public ::testing::Test {
 protected:
  void SetUp() override { nh::log::set_capture(true); }
  void TearDown() override { nh::log::set_capture(false); }

  static bool has_manifest(const fs::path& dir, const std::string& key, const std::string& backend) {
    nh::EntryStore store(nh::StorageRegistry::open(dir.string()), "test");
    return store.find("_", key, backend).has_value();
  }

  nh::testing::TempProject project_;
};

TEST_F(LocationUseTest, ABackendOverrideReceivesResultsWhoseValueDecidesTheBackend) {
  const fs::path blobs = project_.dir() / "blob-store";
  nh::set_parameter("filesystem", nh::Value(blobs.string()), {.backend = "blob"});
  nh::FunctionSpec fn{"mixed", {"x"}, {.cache_args = {"x"}}, std::make_shared<ValueDecides>(),
                      ""};
  int computed = 0;
  auto call = [&](std::int64_t x) {
    return nh::engine::call(fn, nh::CallArgs{{nh::Value(x)}, {}}, {}, [&] {
             ++computed;
             return x == 2 ? nh::Boxed::make(nh::Value("two")) : nh::Boxed::make(nh::Value(x));
           })
        .as<nh::Value>();
  };
  EXPECT_EQ(call(1), nh::Value(1));
  EXPECT_EQ(call(2), nh::Value("two"));
  EXPECT_TRUE(has_manifest(project_.root(), "mixed/x=1", "basic"));
  EXPECT_TRUE(has_manifest(blobs, "mixed/x=2", "blob")) << "the blob override was not used";
  EXPECT_FALSE(has_manifest(project_.root(), "mixed/x=2", "blob"));
  // Recalled from each store, with or without a hint, in a fresh configuration too.
  EXPECT_EQ(call(2), nh::Value("two"));
  EXPECT_EQ(call(1), nh::Value(1));
  nh::clear_memoizer();
  nh::set_parameter("filesystem", nh::Value(blobs.string()), {.backend = "blob"});
  EXPECT_EQ(call(2), nh::Value("two"));
  EXPECT_EQ(computed, 2);
}

TEST_F(LocationUseTest, StorageBackendAndUpsertAreCheckedByName) {
  int computed = 0;
  auto f = nh::cache("f", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++computed;
    return x;
  });
  auto error_of = [&](const std::function<void()>& call) {
    try {
      call();
    } catch (const nh::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  // A storage backend this build lacks is named; nothing is committed.
  EXPECT_THAT(error_of([&] { f.with({.storage_backend = "nope"})(1); }),
              HasSubstr("unknown backend 'nope'"));
  EXPECT_FALSE(has_manifest(project_.root(), "f/x=1", "basic"));
  // upsert=True needs the columns that identify a row, and is refused before computing.
  const int before = computed;
  EXPECT_THAT(error_of([&] { f.with({.upsert = true})(1); }), HasSubstr("upsert_keys"));
  EXPECT_EQ(computed, before);
  // Only tables merge: an int stored, then upserted, is refused by name.
  auto g = nh::cache("g", {"x"}, {.cache_args = {"x"}, .upsert_keys = {"x"}},
                     [](int x) { return x; });
  EXPECT_EQ(g(1), 1);
  EXPECT_THAT(error_of([&] { g.with({.upsert = true})(1); }), HasSubstr("not tables"));
  // Defaults are fine; storage_backend equal to the read backend writes as usual.
  EXPECT_EQ(f.with({.storage_backend = "", .storage_backend_kwargs = nh::Value::object()})(1), 1);
  EXPECT_EQ(f.with({.storage_backend = "basic"})(2), 2);
  EXPECT_TRUE(has_manifest(project_.root(), "f/x=2", "basic"));
}

TEST_F(LocationUseTest, RuntimeSettingsFollowTheConfigurationWhenItChanges) {
  nh::set_parameter("log_level", nh::Value("debug"));
  EXPECT_TRUE(nh::log::enabled(nh::log::Level::debug)) << "applied before any call";
  nh::set_parameter("log_level", nh::Value("error"));
  EXPECT_FALSE(nh::log::enabled(nh::log::Level::warn));
  const nh::BufferPoolOptions saved = nh::buffer_pool_options();
  nh::set_parameter("buffer_pool_bytes", nh::Value(std::int64_t{3} << 20));
  EXPECT_EQ(nh::buffer_pool_options().max_idle_bytes, std::size_t{3} << 20);
  EXPECT_THROW(nh::set_parameter("buffer_pool_bytes", nh::Value(std::int64_t{-1})), nh::ConfigError);
  nh::reset_config();
  EXPECT_TRUE(nh::log::enabled(nh::log::Level::warn)) << "reset_config restores the default";
  EXPECT_EQ(nh::buffer_pool_options().max_idle_bytes, saved.max_idle_bytes)
      << "reset_config restores the pool's options from before the configuration set them";
}

}  // namespace
