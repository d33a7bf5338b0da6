// Engine behaviour with the root on gs://bucket/prefix (fake-gcs-server) and
// az://container/prefix (Azurite): the same calls must hit, miss, overwrite and commit as
// they do on a directory (shared_root_test.cpp), through the drivers' native conditional
// writes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/log.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using nh::testing::EmulatorKind;

namespace {

class EmulatorRootTest : public ::testing::TestWithParam<EmulatorKind> {
 protected:
  void SetUp() override {
    nh::log::set_capture(true);
    NH_REQUIRE_EMULATOR(GetParam(), server_);
    static std::atomic<int> counter{0};
    root_url_ = server_->url("engine-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    root_options_ = server_->options();
    nh::set_parameter("filesystem", root_url_);
    nh::set_parameter("filesystem_options", root_options_, {.secret = true});
  }
  void TearDown() override {
    if (server_) root()->remove_prefix("");
    nh::log::set_capture(false);
  }

  nh::StoragePtr root() const { return nh::StorageRegistry::open(root_url_, root_options_); }

  std::optional<nh::Manifest> manifest(const std::string& key, const std::string& backend = "basic") {
    nh::EntryStore store(root(), "root");
    auto rec = store.find("_", key, backend);
    if (!rec) return std::nullopt;
    return rec->manifest;
  }

  std::size_t payloads() const { return root()->list("data/").size(); }

  nh::testing::TempProject project_;
  std::shared_ptr<nh::testing::EmulatorServer> server_;
  std::string root_url_;
  nh::Value root_options_;
};

TEST_P(EmulatorRootTest, MissComputesHitRecalls) {
  int calls = 0;
  auto f = nh::cache("double_it", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return x * 2;
  });
  EXPECT_EQ(f(21), 42);
  nh::clear_memoizer();
  EXPECT_EQ(f(21), 42);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f(5), 10);
  EXPECT_EQ(calls, 2);
  auto m = manifest("double_it/x=21");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->state, "confirmed");
  EXPECT_TRUE(root()->stat("nuthatch.json"));
}

TEST_P(EmulatorRootTest, LargeValuesGoThroughAPayloadObject) {
  int calls = 0;
  auto f = nh::cache("big", {}, {}, [&] {
    ++calls;
    return std::vector<double>(20000, 1.5);
  });
  EXPECT_EQ(f().size(), 20000u);
  nh::clear_memoizer();
  EXPECT_EQ(f()[19999], 1.5);
  EXPECT_EQ(calls, 1);
  auto m = manifest("big");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->inline_data.has_value());
  EXPECT_TRUE(root()->stat(m->payload));
  EXPECT_THAT(f.uri(), StartsWith(root_url_ + "/data/_/big/basic-"));
}

TEST_P(EmulatorRootTest, OverwriteCommitsANewEntryAndDropsTheOldPayload) {
  int calls = 0;
  auto f = nh::cache("ow", {}, {}, [&] {
    ++calls;
    return std::vector<int>(6000, calls);
  });
  f();
  const auto first = manifest("ow");
  ASSERT_TRUE(first);
  nh::log::take_captured();
  EXPECT_EQ(f.with({.recompute = true})()[0], 2);  // not interactive: keeps the stored one
  EXPECT_THAT(nh::log::take_captured(), HasSubstr("keeping the existing cache entry"));
  EXPECT_EQ(manifest("ow")->entry_id, first->entry_id);
  EXPECT_EQ(f.with({.recompute = true, .force_overwrite = true})()[0], 3);
  const auto second = manifest("ow");
  ASSERT_TRUE(second);
  EXPECT_NE(second->entry_id, first->entry_id);
  EXPECT_FALSE(root()->stat(first->payload));
  EXPECT_EQ(payloads(), 1u);
  nh::clear_memoizer();
  EXPECT_EQ(f()[0], 3);
}

TEST_P(EmulatorRootTest, ConcurrentCallsEndWithOneCompleteEntry) {
  auto f = nh::cache("race", {}, {}, [&] { return std::vector<int>(6000, 9); });
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 3; ++j) EXPECT_EQ(f()[5999], 9);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(manifest("race"));
  EXPECT_EQ(payloads(), 1u);
}

TEST_P(EmulatorRootTest, ModesAndNullEntries) {
  auto f = nh::cache("lv", {}, {}, [] { return 5; });
  f.with({.cache_mode = nh::CacheMode::read_only})();
  EXPECT_FALSE(manifest("lv"));
  f.with({.cache_mode = nh::CacheMode::write})();
  EXPECT_TRUE(manifest("lv"));
  int calls = 0;
  auto g = nh::cache("maybe", {}, {}, [&]() -> std::optional<int> {
    ++calls;
    return std::nullopt;
  });
  EXPECT_EQ(g(), std::nullopt);
  nh::clear_memoizer();
  EXPECT_EQ(g(), std::nullopt);
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(manifest("maybe", "null"));
}

INSTANTIATE_TEST_SUITE_P(Roots, EmulatorRootTest,
                         ::testing::Values(EmulatorKind::fake_gcs, EmulatorKind::azurite),
                         [](const auto& info) {
                           return info.param == EmulatorKind::fake_gcs ? "gcs_fake" : "azure_azurite";
                         });

}  // namespace
