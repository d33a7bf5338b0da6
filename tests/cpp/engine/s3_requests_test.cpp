// Requests per cache hit with the root on S3 (issue 4's target: 1 for a value small enough
// to be inlined in its manifest, 2 — manifest and payload — for a larger one), and per
// miss of a small value (3: the lookup's two, then the conditional write). A counting
// proxy on 127.0.0.1 sits between the engine and a real MinIO server and counts every
// HTTP request the hit sends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"
#include "support/loopback_http.hpp"
#include "support/s3_server.hpp"
#include "support/temp_project.hpp"
#include "support/value_decides_adapter.hpp"

namespace nh = nuthatch;

namespace {

class S3RequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NH_REQUIRE_S3_SERVER(nh::testing::S3ServerKind::minio, server_);
    proxy_ = std::make_unique<nh::testing::LoopbackHttpServer>(
        nh::testing::forward_to(server_->port()));
    static std::atomic<int> counter{0};
    root_url_ = nh::testing::S3Server::url("requests-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(++counter));
    nh::set_parameter("filesystem", root_url_);
    nh::set_parameter("filesystem_options", server_->options(proxy_->endpoint()), {.secret = true});
  }
  void TearDown() override {
    if (server_) nh::StorageRegistry::open(root_url_, server_->options())->remove_prefix("");
  }

  /// HTTP requests `call` sends.
  template <class F>
  int requests(F&& call) {
    const int before = proxy_->requests();
    call();
    return proxy_->requests() - before;
  }

  nh::testing::TempProject project_;
  std::shared_ptr<nh::testing::S3Server> server_;
  std::unique_ptr<nh::testing::LoopbackHttpServer> proxy_;
  std::string root_url_;
};

TEST_F(S3RequestsTest, ASmallValueHitIsOneRequest) {
  auto f = nh::cache("small", {"x"}, {.cache_args = {"x"}}, [](int x) { return x * 2; });
  f(21);  // miss: computes and commits
  EXPECT_EQ(requests([&] { EXPECT_EQ(f(21), 42); }), 1);  // the manifest, value inlined
}

TEST_F(S3RequestsTest, ALargerValueHitIsTwoRequests) {
  auto f = nh::cache("large", {"n"}, {.cache_args = {"n"}},
                     [](int n) { return std::vector<double>(n, 1.5); });
  f(100000);  // 800 KB: a payload object beside the manifest
  EXPECT_EQ(requests([&] { EXPECT_EQ(f(100000).size(), 100000u); }), 2);
}

TEST_F(S3RequestsTest, ASmallValueMissIsThreeRequests) {
  auto f = nh::cache("miss", {"x"}, {.cache_args = {"x"}}, [](int x) { return x * 2; });
  f(1);  // the first commit at the root also marks it as a store; the backend is learnt
  // The manifest of the backend last seen (absent), the key folder's listing (nothing in
  // any backend, no null entry), the manifest written if absent. Neither a second look
  // before the write nor a removal of a null entry the listing showed absent.
  EXPECT_EQ(requests([&] { EXPECT_EQ(f(2), 4); }), 3);
  EXPECT_EQ(requests([&] { EXPECT_EQ(f(2), 4); }), 1);  // and it is there
}

// As from Python: the backend is the value's, so the lookup tries the backend last seen,
// then lists the key's folder.
TEST_F(S3RequestsTest, AMissWhoseBackendTheValueDecidesIsThreeRequests) {
  nh::FunctionSpec fn{"decides", {"x"}, {.cache_args = {"x"}},
                      std::make_shared<nh::testing::ValueDecidesAdapter>(), ""};
  auto call = [&](std::int64_t x) {
    return nh::engine::call(fn, nh::CallArgs{{nh::Value(x)}, {}}, {},
                            [&] { return nh::Boxed::make(nh::Value(x * 2)); })
        .as<nh::Value>();
  };
  call(1);
  // The hinted manifest (absent), the listing (no entry, no null entry), the write.
  EXPECT_EQ(requests([&] { EXPECT_EQ(call(2), nh::Value(4)); }), 3);
  EXPECT_EQ(requests([&] { EXPECT_EQ(call(2), nh::Value(4)); }), 1);
}

TEST_F(S3RequestsTest, AValueReplacingANullEntryStillRemovesIt) {
  auto none = nh::cache("maybe", {}, {}, []() -> std::optional<int> { return std::nullopt; });
  EXPECT_EQ(none(), std::nullopt);
  auto some = nh::cache("maybe", {}, {}, []() -> std::optional<int> { return 7; });
  EXPECT_EQ(some.with({.retry_null_cache = true})(), 7);
  auto store = nh::StorageRegistry::open(root_url_, server_->options());
  std::vector<std::string> manifests;
  for (const nh::ObjectInfo& object : store->list("meta/")) manifests.push_back(object.path);
  ASSERT_EQ(manifests.size(), 1u);
  EXPECT_FALSE(manifests[0].ends_with("/null.json")) << manifests[0];
  EXPECT_EQ(some(), 7);
}

TEST_F(S3RequestsTest, ADatasetHitReadsManifestMetadataAndChunksOnly) {
  auto f = nh::cache("grid", {}, {}, [] {
    nh::Dataset ds;
    ds.variables["x"] = {{"x"}, nh::NDArray::from_vector(std::vector<double>{1, 2, 3}, {3})};
    ds.variables["v"] = {{"x"}, nh::NDArray::from_vector(std::vector<float>{4, 5, 6}, {3})};
    ds.coords = {"x"};
    return ds;
  });
  f();
  // The manifest; the group's consolidated zarr.json (no listing); one chunk per array;
  // and a second look at the manifest, which proves the entry was not replaced meanwhile.
  EXPECT_EQ(requests([&] { EXPECT_EQ(f().variables.size(), 2u); }), 1 + 1 + 2 + 1);
}

}  // namespace
