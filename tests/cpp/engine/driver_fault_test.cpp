// The engine on an object store that fails (DESIGN §3: a failed commit leaves the old
// entry or none, never a torn one):
//  - MinIO killed in the middle of a multipart upload of a payload, then restarted: the
//    call fails with a StorageError naming the object, the entry is a miss, and the next
//    call commits it;
//  - s3 (MinIO), gs (fake-gcs-server) and az (Azurite) behind a fault-injecting proxy:
//    transient faults are ridden out, and a payload or manifest write that keeps failing
//    leaves no entry behind.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/loopback_http.hpp"
#include "support/s3_server.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using nh::testing::Fault;
using nh::testing::RawRequest;
using ::testing::AnyOf;
using ::testing::HasSubstr;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string unique(const std::string& what) {
  static std::atomic<int> counter{0};
  return what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

/// Retry quickly, so that persistent faults fail fast.
nh::Value fast_retries(nh::Value options, int max_attempts) {
  options["max_attempts"] = max_attempts;
  options["retry_initial_backoff"] = 0.01;
  options["retry_max_backoff"] = 0.05;
  return options;
}

/// Requests that write (PUT / POST) under `dir` of a location ("meta", "data"), whether the
/// object name is in the path (s3, az) or an encoded query parameter (gs uploads).
nh::testing::LoopbackHttpServer::RequestFilter writes_under(const std::string& dir) {
  return [dir](const RawRequest& r) {
    if (r.method != "PUT" && r.method != "POST") return false;
    return r.target.find("/" + dir + "/") != std::string::npos ||
           r.target.find("%2F" + dir + "%2F") != std::string::npos;
  };
}

/// The entry store of a root, for looking at what was committed.
std::optional<nh::Manifest> manifest(const std::string& url, const nh::Value& options,
                                     const std::string& key) {
  nh::EntryStore store(nh::StorageRegistry::open(url, options), "root");
  auto rec = store.find("_", key, "basic");
  if (!rec) return std::nullopt;
  return rec->manifest;
}

/// A cached function whose value is a payload object of about `bytes`, counting computes.
struct BigFunction {
  explicit BigFunction(std::size_t bytes)
      : f(nh::cache("big", {}, {}, [this, bytes] {
          ++calls;
          return std::vector<double>(bytes / sizeof(double), 2.5);
        })) {}
  int calls = 0;
  nh::Cached<std::vector<double>()> f;
};

// ---- MinIO killed mid-upload ----------------------------------------------------------

/// A proxy in front of a MinIO of the test's own that crashes it when a request whose
/// target contains `trigger` arrives: the request then meets a dead server.
class CrashingProxy {
 public:
  explicit CrashingProxy(std::shared_ptr<nh::testing::S3Server> server)
      : server_(std::move(server)),
        forward_(nh::testing::forward_to(server_->port())),
        proxy_([this](const RawRequest& r) { return handle(r); }) {}

  void crash_on(std::string trigger) {
    std::lock_guard lock(mutex_);
    trigger_ = std::move(trigger);
  }
  bool crashed() const { return crashed_; }
  std::string endpoint() const { return proxy_.endpoint(); }

 private:
  std::string handle(const RawRequest& r) {
    bool crash = false;
    {
      std::lock_guard lock(mutex_);
      crash = !trigger_.empty() && r.target.find(trigger_) != std::string::npos && !crashed_;
      if (crash) trigger_.clear();
    }
    if (crash) {
      server_->crash();
      crashed_ = true;
    }
    return forward_(r);
  }

  std::shared_ptr<nh::testing::S3Server> server_;
  nh::testing::LoopbackHttpServer::Handler forward_;
  std::mutex mutex_;
  std::string trigger_;
  std::atomic<bool> crashed_{false};
  nh::testing::LoopbackHttpServer proxy_;  // last: its threads use the members above
};

class MinioCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nh::log::set_capture(true);
    nh::testing::S3ServerLookup lookup = private_s3_server(nh::testing::S3ServerKind::minio);
    if (!lookup.skip_reason.empty()) GTEST_SKIP() << lookup.skip_reason;
    ASSERT_EQ(lookup.error, "");
    server_ = lookup.server;
    proxy_ = std::make_unique<CrashingProxy>(server_);
    url_ = nh::testing::S3Server::url(unique("crash"));
    options_ = fast_retries(server_->options(proxy_->endpoint()), 2);
    options_["multipart_threshold"] = 5 * kMiB;  // 5 MiB parts, one at a time
    options_["part_size"] = 5 * kMiB;
    options_["part_concurrency"] = 1;
  }
  void TearDown() override { nh::log::set_capture(false); }

  /// "<bucket>/<prefix>/<path>": how a request's URL names an object of the location
  /// (path-style), in the error of a request that met the dead server.
  std::string object_path(const std::string& path) const {
    return url_.substr(std::string_view("s3://").size()) + "/" + path;
  }

  std::shared_ptr<nh::testing::S3Server> server_;
  std::unique_ptr<CrashingProxy> proxy_;
  std::string url_;
  nh::Value options_;
};

TEST_F(MinioCrashTest, StorageWriteFailsCleanlyAndSucceedsOnceTheServerIsBack) {
  auto storage = nh::StorageRegistry::open(url_, options_);
  std::string data(11 * kMiB + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 3);
  proxy_->crash_on("partNumber=2");
  try {
    storage->write("big.bin", data);
    FAIL() << "a multipart upload to a dead server succeeded";
  } catch (const nh::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(object_path("big.bin") + "?partNumber=2"));
    EXPECT_THAT(e.what(), HasSubstr(proxy_->endpoint()));
    EXPECT_THAT(e.what(), HasSubstr("after 2 attempts"));
  }
  ASSERT_TRUE(proxy_->crashed());
  server_->restart();
  EXPECT_EQ(storage->stat("big.bin"), std::nullopt);  // no torn object
  EXPECT_TRUE(storage->list("").empty());
  storage->write("big.bin", data);
  EXPECT_EQ(storage->read("big.bin"), data);
  storage->remove_prefix("");
}

TEST_F(MinioCrashTest, EngineEntryIsAMissUntilARetryCommitsIt) {
  nh::testing::TempProject project;
  nh::set_parameter("filesystem", url_);
  nh::set_parameter("filesystem_options", options_, {.secret = true});
  BigFunction big(12 * kMiB);  // three parts
  proxy_->crash_on("partNumber=2");
  try {
    big.f();
    FAIL() << "a call whose payload upload failed succeeded";
  } catch (const nh::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(object_path("data/_/big/basic-")));
    EXPECT_THAT(e.what(), HasSubstr("partNumber=2"));
    EXPECT_THAT(e.what(), HasSubstr("after 2 attempts"));
  }
  ASSERT_TRUE(proxy_->crashed());
  server_->restart();
  EXPECT_FALSE(manifest(url_, options_, "big"));
  EXPECT_THROW(big.f.with({.cache_mode = nh::CacheMode::read_only_strict})(), nh::CacheMissError);
  EXPECT_TRUE(nh::StorageRegistry::open(url_, options_)->list("data/").empty());
  EXPECT_EQ(big.f().size(), 12 * kMiB / sizeof(double));  // the retry commits
  EXPECT_EQ(big.calls, 2);
  nh::clear_memoizer();
  const std::vector<double> recalled = big.f();
  EXPECT_EQ(big.calls, 2);
  EXPECT_EQ(recalled, std::vector<double>(12 * kMiB / sizeof(double), 2.5));
  nh::StorageRegistry::open(url_, options_)->remove_prefix("");
}

// ---- faults on every object store ----------------------------------------------------

/// An object-store root reached through a fault-injecting proxy.
struct ProxiedRoot {
  std::shared_ptr<void> server;  ///< keeps the test server alive
  std::unique_ptr<nh::testing::LoopbackHttpServer> proxy;
  std::string url;
  nh::Value options;
  std::string skip_reason;
  std::string error;
};

struct StoreCase {
  std::string name;
  std::function<ProxiedRoot()> make;
  friend void PrintTo(const StoreCase& c, std::ostream* os) { *os << c.name; }
};

StoreCase s3_minio_case() {
  return {"s3_minio", [] {
            nh::testing::S3ServerLookup lookup =
                nh::testing::s3_server(nh::testing::S3ServerKind::minio);
            ProxiedRoot root{lookup.server, nullptr, "", {}, lookup.skip_reason, lookup.error};
            if (!lookup.server) return root;
            root.proxy = std::make_unique<nh::testing::LoopbackHttpServer>(
                nh::testing::forward_to(lookup.server->port()));
            root.url = nh::testing::S3Server::url(unique("engine-faults"));
            root.options = lookup.server->options(root.proxy->endpoint());
            return root;
          }};
}

StoreCase emulator_case(const std::string& name, nh::testing::EmulatorKind kind) {
  return {name, [kind] {
            nh::testing::EmulatorLookup lookup = nh::testing::emulator(kind);
            ProxiedRoot root{lookup.server, nullptr, "", {}, lookup.skip_reason, lookup.error};
            if (!lookup.server) return root;
            root.proxy = std::make_unique<nh::testing::LoopbackHttpServer>(
                nh::testing::forward_to(lookup.server->port()));
            root.url = lookup.server->url(unique("engine-faults"));
            root.options =
                lookup.server->options(lookup.server->endpoint_at(root.proxy->endpoint()));
            return root;
          }};
}

class EngineFaultTest : public ::testing::TestWithParam<StoreCase> {
 protected:
  void SetUp() override {
    nh::log::set_capture(true);
    root_ = GetParam().make();
    if (!root_.skip_reason.empty()) GTEST_SKIP() << root_.skip_reason;
    ASSERT_EQ(root_.error, "");
    root_.options = fast_retries(root_.options, 3);
    nh::set_parameter("filesystem", root_.url);
    nh::set_parameter("filesystem_options", root_.options, {.secret = true});
  }
  void TearDown() override {
    if (root_.proxy) {
      root_.proxy->inject(Fault::none, 0);
      nh::StorageRegistry::open(root_.url, root_.options)->remove_prefix("");
    }
    nh::log::set_capture(false);
  }

  nh::testing::LoopbackHttpServer& proxy() { return *root_.proxy; }
  std::optional<nh::Manifest> manifest(const std::string& key) {
    return ::manifest(root_.url, root_.options, key);
  }

  /// After a failed first call: the entry is a miss (never a wrong value), and once the
  /// fault clears the next call computes and commits it, and a later one recalls it.
  void expect_no_torn_entry_then_recovery(BigFunction& big) {
    proxy().inject(Fault::none, 0);
    EXPECT_FALSE(manifest("big"));
    EXPECT_THROW(big.f.with({.cache_mode = nh::CacheMode::read_only_strict})(), nh::CacheMissError);
    EXPECT_EQ(big.f()[0], 2.5);
    EXPECT_EQ(big.calls, 2);
    nh::clear_memoizer();
    const std::vector<double> recalled = big.f();
    EXPECT_EQ(big.calls, 2);
    EXPECT_EQ(recalled.size(), kValueBytes / sizeof(double));
    ASSERT_TRUE(manifest("big"));
  }

  static constexpr std::size_t kValueBytes = 64 * 1024;  // a payload object, not inline
  nh::testing::TempProject project_;
  ProxiedRoot root_;
};

TEST_P(EngineFaultTest, TransientFaultsAreRiddenOut) {
  int calls = 0;
  auto f = nh::cache("flaky", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return std::vector<int>(3000, x);
  });
  int x = 0;
  for (const Fault fault : {Fault::status_503, Fault::status_500, Fault::drop}) {
    SCOPED_TRACE(static_cast<int>(fault));
    ++x;
    proxy().inject(fault, 2);
    EXPECT_EQ(f(x)[2999], x);  // computed and committed
    nh::clear_memoizer();
    proxy().inject(fault, 2);
    EXPECT_EQ(f(x)[0], x);  // recalled
    EXPECT_EQ(calls, x);
  }
  EXPECT_EQ(proxy().faults_served(), 12);
}

TEST_P(EngineFaultTest, FailedPayloadWriteLeavesNoEntry) {
  BigFunction big(kValueBytes);
  proxy().inject(Fault::status_503, 1000, {}, 0, writes_under("data"));
  try {
    big.f();
    FAIL() << "a call whose payload write kept failing succeeded";
  } catch (const nh::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(root_.url + "/data/_/big/basic-"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503"));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
  }
  EXPECT_EQ(proxy().faults_served(), 3);
  expect_no_torn_entry_then_recovery(big);
}

TEST_P(EngineFaultTest, FailedManifestWriteLeavesNoEntry) {
  BigFunction big(kValueBytes);
  proxy().inject(Fault::drop, 1000, {}, 0, writes_under("meta"));
  try {
    big.f();
    FAIL() << "a call whose manifest write kept failing succeeded";
  } catch (const nh::StorageError& e) {
    // The object name is in the path (s3, az) or percent-encoded in the query (gs).
    EXPECT_THAT(e.what(), AnyOf(HasSubstr("/meta/_/big/basic.json"),
                                HasSubstr("%2Fmeta%2F_%2Fbig%2Fbasic.json")));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
  }
  EXPECT_EQ(proxy().faults_served(), 3);
  // The payload was written before the commit point: an orphan for `nuthatch gc`.
  EXPECT_LE(nh::StorageRegistry::open(root_.url, root_.options)->list("data/").size(), 1u);
  expect_no_torn_entry_then_recovery(big);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, EngineFaultTest,
    ::testing::Values(s3_minio_case(),
                      emulator_case("gcs_fake", nh::testing::EmulatorKind::fake_gcs),
                      emulator_case("azure_azurite", nh::testing::EmulatorKind::azurite)),
    [](const ::testing::TestParamInfo<StoreCase>& info) { return info.param.name; });

}  // namespace
