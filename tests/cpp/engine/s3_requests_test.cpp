// Requests per cache hit with the root on S3 (issue 4's target: 1 for a value small enough
// to be inlined in its manifest, 2 — manifest and payload — for a larger one). A counting
// proxy on 127.0.0.1 sits between the engine and a real MinIO server and counts every
// HTTP request the hit sends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"
#include "support/loopback_http.hpp"
#include "support/s3_server.hpp"
#include "support/temp_project.hpp"

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
