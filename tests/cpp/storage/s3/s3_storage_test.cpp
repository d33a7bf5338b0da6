// The s3 driver beyond the common contract (storage_conformance_test.cpp runs that on
// MinIO and moto): options and credentials, addressing, pagination, multipart uploads,
// conditional writes under contention, errors, and retries through a fault-injecting
// proxy in front of the server.

#include "storage/s3/s3_storage.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>

#include "common/log.hpp"
#include "nuthatch/error.hpp"
#include "support/loopback_http.hpp"
#include "support/s3_server.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::S3Server;
using testing::S3ServerKind;

// A prefix no other test (or run) uses.
std::string fresh_prefix(std::string_view what) {
  static std::atomic<int> counter{0};
  return std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// Sets (or unsets) environment variables for one test, restoring them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value) {
        ::setenv(name, value, 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// No AWS_* variable of the developer's shell leaks into option tests.
ScopedEnv clean_aws_env() {
  return ScopedEnv{{"AWS_ACCESS_KEY_ID", nullptr},
                   {"AWS_SECRET_ACCESS_KEY", nullptr},
                   {"AWS_SESSION_TOKEN", nullptr},
                   {"AWS_REGION", nullptr},
                   {"AWS_DEFAULT_REGION", nullptr},
                   {"AWS_ENDPOINT_URL", nullptr},
                   {"AWS_ENDPOINT_URL_S3", nullptr},
                   {"AWS_PROFILE", nullptr},
                   {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
                   {"AWS_CONFIG_FILE", "/nonexistent/config"}};
}

// ---- options, credentials and addressing (no server) ----------------------------------

TEST(S3OptionsTest, OptionsWinOverEnvironment) {
  const ScopedEnv env = clean_aws_env();
  const ScopedEnv aws{{"AWS_ACCESS_KEY_ID", "env-key"},
                      {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                      {"AWS_REGION", "eu-west-3"}};
  auto o = s3::resolve_s3_options(
      "s3://bucket/a/b/",
      Value::object({{"key", "opt-key"}, {"secret", "opt-secret"}, {"token", "opt-token"}}));
  EXPECT_EQ(o.bucket, "bucket");
  EXPECT_EQ(o.prefix, "a/b");
  EXPECT_EQ(o.region, "eu-west-3");
  ASSERT_TRUE(o.credentials);
  EXPECT_EQ(o.credentials->access_key, "opt-key");
  EXPECT_EQ(o.credentials->session_token, "opt-token");
  o = s3::resolve_s3_options("s3://bucket", Value::object());
  EXPECT_EQ(o.credentials->access_key, "env-key");
  EXPECT_EQ(o.credentials->secret_key, "env-secret");
  EXPECT_EQ(o.prefix, "");
}

TEST(S3OptionsTest, SharedCredentialsFileAndProfile) {
  const ScopedEnv env = clean_aws_env();
  const std::string dir = ::testing::TempDir() + "/nh-aws-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/credentials")
      << "[default]\naws_access_key_id = dkey\n"
         "aws_secret_access_key = dsecret\n\n"
         "[team]\naws_access_key_id=tkey\n"
         "aws_secret_access_key=tsecret\naws_session_token=ttoken\n";
  std::ofstream(dir + "/config") << "[profile team]\nregion = ap-south-1\n";
  const ScopedEnv files{{"AWS_SHARED_CREDENTIALS_FILE", (dir + "/credentials").c_str()},
                        {"AWS_CONFIG_FILE", (dir + "/config").c_str()}};
  auto o = s3::resolve_s3_options("s3://b/p", Value::object());
  EXPECT_EQ(o.credentials->access_key, "dkey");
  EXPECT_EQ(o.region, "us-east-1");
  {
    const ScopedEnv profile{{"AWS_PROFILE", "team"}};
    o = s3::resolve_s3_options("s3://b/p", Value::object());
    EXPECT_EQ(o.credentials->access_key, "tkey");
    EXPECT_EQ(o.credentials->session_token, "ttoken");
    EXPECT_EQ(o.region, "ap-south-1");
  }
  o = s3::resolve_s3_options("s3://b/p", Value::object({{"profile", "team"}}));
  EXPECT_EQ(o.credentials->secret_key, "tsecret");
  std::filesystem::remove_all(dir);
}

TEST(S3OptionsTest, ErrorsNameTheProblemNotTheSecret) {
  const ScopedEnv env = clean_aws_env();
  try {
    s3::resolve_s3_options("s3://bucket/p", Value::object());
    FAIL() << "no credentials accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no S3 credentials for 's3://bucket/p'"));
    EXPECT_THAT(e.what(), HasSubstr("anon"));
  }
  EXPECT_FALSE(
      s3::resolve_s3_options("s3://bucket/p", Value::object({{"anon", true}})).credentials);
  EXPECT_THROW(s3::resolve_s3_options("s3:///p", Value::object({{"anon", true}})), ConfigError);
  EXPECT_THROW(s3::resolve_s3_options(
                   "s3://b/p", Value::object({{"anon", true}, {"addressing_style", "sideways"}})),
               ConfigError);
  EXPECT_THROW(s3::resolve_s3_options("s3://b/p",
                                      Value::object({{"anon", true}, {"endpoint_url", "ftp://x"}})),
               ConfigError);
  try {
    s3::resolve_s3_options("s3://b/p", Value::object({{"key", "only-the-key"}}));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("only-the-key")));
  }
}

TEST(S3OptionsTest, AddressingStyles) {
  const ScopedEnv env = clean_aws_env();
  const auto url = [](const Value& options, const std::string& location = "s3://my-bucket/p") {
    const s3::S3Client client(s3::resolve_s3_options(location, options), http::default_transport());
    return client.url_of_key(std::string("p/a=1/k.json"));
  };
  // AWS: virtual-hosted by default; path-style for names that cannot be a host label.
  EXPECT_EQ(url(Value::object({{"anon", true}, {"region", "eu-west-1"}})),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/p/a%3D1/k.json");
  EXPECT_EQ(url(Value::object({{"anon", true}}), "s3://my.dotted.bucket/p"),
            "https://s3.us-east-1.amazonaws.com/my.dotted.bucket/p/a%3D1/k.json");
  // A custom endpoint: path-style unless asked.
  EXPECT_EQ(url(Value::object({{"anon", true}, {"endpoint_url", "http://127.0.0.1:9000"}})),
            "http://127.0.0.1:9000/my-bucket/p/a%3D1/k.json");
  EXPECT_EQ(url(Value::object({{"anon", true},
                               {"endpoint_url", "http://minio.local:9000/"},
                               {"addressing_style", "virtual"}})),
            "http://my-bucket.minio.local:9000/p/a%3D1/k.json");
  EXPECT_EQ(url(Value::object({{"anon", true}, {"addressing_style", "path"}})),
            "https://s3.us-east-1.amazonaws.com/my-bucket/p/a%3D1/k.json");
  const ScopedEnv endpoint{{"AWS_ENDPOINT_URL", "http://127.0.0.1:1234"}};
  EXPECT_EQ(url(Value::object({{"anon", true}})), "http://127.0.0.1:1234/my-bucket/p/a%3D1/k.json");
}

TEST(S3OptionsTest, RegisteredForTheS3Scheme) {
  const ScopedEnv env = clean_aws_env();
  auto storage =
      StorageRegistry::open("s3://some-bucket/some/prefix/", Value::object({{"anon", true}}));
  ASSERT_NE(dynamic_cast<S3Storage*>(storage.get()), nullptr);
  EXPECT_EQ(storage->url(), "s3://some-bucket/some/prefix");
  EXPECT_EQ(storage->url_of("meta/_/k.json"), "s3://some-bucket/some/prefix/meta/_/k.json");
  EXPECT_FALSE(storage->read_only());
}

// ---- against a real server ------------------------------------------------------------

class S3ServerTest : public ::testing::TestWithParam<S3ServerKind> {
 protected:
  void SetUp() override { NH_REQUIRE_S3_SERVER(GetParam(), server_); }

  std::shared_ptr<S3Storage> open(const std::string& prefix, Value options) {
    auto storage = std::make_shared<S3Storage>(S3Server::url(prefix), options);
    opened_.push_back(storage);
    return storage;
  }
  std::shared_ptr<S3Storage> open(const std::string& prefix) {
    return open(prefix, server_->options());
  }
  void TearDown() override {
    for (auto& storage : opened_) {
      try {
        storage->remove_prefix("");
      } catch (const std::exception&) {
      }
    }
  }

  std::shared_ptr<S3Server> server_;
  std::vector<std::shared_ptr<S3Storage>> opened_;
};

std::string payload(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7919) >> 3);
  return data;
}

TEST_P(S3ServerTest, ListingFollowsContinuationTokens) {
  Value options = server_->options();
  options["max_keys"] = 7;  // 40 keys -> 6 pages
  auto storage = open(fresh_prefix("pages"), options);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < 40; i += 4) storage->write("k/" + std::to_string(1000 + i), "v");
    });
  }
  for (auto& w : writers) w.join();
  storage->write("other", "x");
  const auto all = storage->list("k/");
  ASSERT_EQ(all.size(), 40u);
  std::set<std::string> paths;
  for (const auto& info : all) paths.insert(info.path);
  EXPECT_EQ(paths.size(), 40u);
  EXPECT_EQ(*paths.begin(), "k/1000");
  std::vector<std::size_t> pages;  // list_pages hands over each ListObjectsV2 page
  storage->list_pages("k/", [&](std::vector<ObjectInfo>& page) { pages.push_back(page.size()); });
  EXPECT_EQ(pages, (std::vector<std::size_t>{7, 7, 7, 7, 7, 5}));
  EXPECT_EQ(storage->list("").size(), 41u);
  EXPECT_EQ(storage->remove_prefix("k/"), 40u);
  EXPECT_EQ(storage->list("").size(), 1u);
}

TEST_P(S3ServerTest, LargeWritesUseParallelMultipartUploads) {
  Value options = server_->options();
  options["multipart_threshold"] = 6 * 1024 * 1024;
  options["part_size"] = 5 * 1024 * 1024;
  options["part_concurrency"] = 3;
  auto storage = open(fresh_prefix("multipart"), options);
  const std::string big = payload(13 * 1024 * 1024 + 321);  // 3 parts
  storage->write("big.bin", big);
  EXPECT_EQ(storage->read("big.bin"), big);
  const auto info = storage->stat("big.bin");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, big.size());
  EXPECT_TRUE(info->generation.ends_with("-3")) << info->generation;  // a 3-part ETag
  const std::uint64_t boundary = 5 * 1024 * 1024;
  EXPECT_EQ(storage->read("big.bin", {.offset = boundary - 10, .length = 20}),
            big.substr(boundary - 10, 20));
  // Below the threshold: one PUT.
  storage->write("small.bin", payload(1024));
  EXPECT_FALSE(storage->stat("small.bin")->generation.ends_with("-1"));
}

TEST_P(S3ServerTest, MissingObjectsAreNulloptButAMissingBucketIsAnError) {
  auto storage = open(fresh_prefix("missing"));
  EXPECT_EQ(storage->read("no/such/key"), std::nullopt);
  EXPECT_EQ(storage->stat("no/such/key"), std::nullopt);
  auto nowhere = std::make_shared<S3Storage>("s3://no-such-bucket-nh/p", server_->options());
  try {
    nowhere->read("k");
    FAIL() << "a missing bucket read as a missing object";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("s3://no-such-bucket-nh/p/k"));
    EXPECT_THAT(e.what(), HasSubstr("NoSuchBucket"));
  }
}

TEST_P(S3ServerTest, ConditionalWritesHaveOneWinnerUnderContention) {
  auto storage = open(fresh_prefix("cas"));
  const s3::ConditionalWrites mode = storage->conditional_writes();
  std::cout << "[ info     ] " << testing::kind_name(GetParam()) << " conditional writes: "
            << (mode == s3::ConditionalWrites::native ? "native" : "emulated") << "\n";
  if (GetParam() == S3ServerKind::minio) EXPECT_EQ(mode, s3::ConditionalWrites::native);
  constexpr int kThreads = 12;
  for (int round = 0; round < 3; ++round) {
    const std::string key = "m/" + std::to_string(round) + ".json";
    std::latch start(kThreads);
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        if (storage->write_if(key, "writer " + std::to_string(i), WriteCondition::if_absent())) {
          ++winners;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners, 1) << "round " << round;
    // Then a compare-and-swap race on the generation the winner wrote.
    const std::string generation = storage->stat(key)->generation;
    std::latch again(kThreads);
    std::atomic<int> swapped{0};
    threads.clear();
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        again.arrive_and_wait();
        if (storage->write_if(key, "swapper " + std::to_string(i),
                              WriteCondition::if_generation(generation))) {
          ++swapped;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(swapped, 1) << "round " << round;
  }
}

TEST_P(S3ServerTest, EmulatedConditionalWritesWhenConfigured) {
  Value options = server_->options();
  options["conditional_writes"] = "emulate";
  log::set_capture(true);
  auto storage = open(fresh_prefix("emulated"), options);
  EXPECT_EQ(storage->conditional_writes(), s3::ConditionalWrites::emulated);
  EXPECT_TRUE(storage->write_if("a", "1", WriteCondition::if_absent()));
  EXPECT_FALSE(storage->write_if("a", "2", WriteCondition::if_absent()));
  const std::string generation = storage->stat("a")->generation;
  EXPECT_FALSE(storage->write_if("a", "3", WriteCondition::if_generation("stale")));
  EXPECT_TRUE(storage->write_if("a", "4", WriteCondition::if_generation(generation)));
  EXPECT_EQ(storage->read("a"), "4");
  log::set_capture(false);
}

TEST_P(S3ServerTest, EnvironmentCredentials) {
  const ScopedEnv env = clean_aws_env();
  const ScopedEnv aws{{"AWS_ACCESS_KEY_ID", std::string(testing::kTestAccessKey).c_str()},
                      {"AWS_SECRET_ACCESS_KEY", std::string(testing::kTestSecretKey).c_str()},
                      {"AWS_ENDPOINT_URL", server_->endpoint().c_str()}};
  auto storage = open(fresh_prefix("env"), Value::object());
  storage->write("k", "v");
  EXPECT_EQ(storage->read("k"), "v");
}

INSTANTIATE_TEST_SUITE_P(Servers, S3ServerTest,
                         ::testing::Values(S3ServerKind::minio, S3ServerKind::moto),
                         [](const auto& info) { return testing::kind_name(info.param); });

// ---- MinIO only: authentication and faults ---------------------------------------------

class S3MinioTest : public ::testing::Test {
 protected:
  void SetUp() override { NH_REQUIRE_S3_SERVER(S3ServerKind::minio, server_); }
  std::shared_ptr<S3Server> server_;
};

TEST_F(S3MinioTest, WrongCredentialsNameTheUrlButNoSecret) {
  const std::string wrong_secret = "wrong-secret-Zk93PqLm";
  Value options = server_->options();
  options["secret"] = wrong_secret;
  const std::string prefix = fresh_prefix("denied");
  S3Storage storage(S3Server::url(prefix), options);
  for (const auto& attempt : std::vector<std::function<void()>>{
           [&] { storage.read("meta/k.json"); }, [&] { storage.write("meta/k.json", "x"); },
           [&] { storage.list(""); }}) {
    try {
      attempt();
      FAIL() << "wrong credentials were accepted";
    } catch (const StorageError& e) {
      const std::string what = e.what();
      EXPECT_THAT(what, HasSubstr("s3://nuthatch-test/" + prefix));
      EXPECT_THAT(what, HasSubstr(server_->endpoint()));
      EXPECT_THAT(what, HasSubstr("HTTP 403"));
      EXPECT_THAT(what, HasSubstr("access denied"));
      EXPECT_THAT(what, Not(HasSubstr(wrong_secret)));
      EXPECT_THAT(what, Not(HasSubstr(std::string(testing::kTestSecretKey))));
      EXPECT_THAT(what, Not(HasSubstr("Signature=")));
    }
  }
}

TEST_F(S3MinioTest, RemovingMoreThanOneBatchOfKeys) {
  // 1000 keys per DeleteObjects request and per listing page: 1005 need two of each.
  constexpr int kKeys = 1005;
  S3Storage storage(S3Server::url(fresh_prefix("batches")), server_->options());
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += 8) storage.write("d/" + std::to_string(i), "x");
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(storage.list("d/").size(), static_cast<std::size_t>(kKeys));
  std::vector<std::string> some;
  for (int i = 0; i < kKeys; i += 2) some.push_back("d/" + std::to_string(i));
  storage.remove(some);
  EXPECT_EQ(storage.list("d/").size(), static_cast<std::size_t>(kKeys / 2));
  EXPECT_EQ(storage.remove_prefix(""), static_cast<std::size_t>(kKeys / 2));
  EXPECT_TRUE(storage.list("").empty());
}

// A location reached through a fault-injecting proxy, retrying fast.
struct ProxiedLocation {
  explicit ProxiedLocation(int upstream_port) : proxy(testing::forward_to(upstream_port)) {}
  testing::LoopbackHttpServer proxy;
  std::shared_ptr<S3Storage> storage;
};

std::unique_ptr<ProxiedLocation> through_proxy(const S3Server& server, int max_attempts,
                                               double request_timeout = 0) {
  auto proxied = std::make_unique<ProxiedLocation>(server.port());
  Value options = server.options(proxied->proxy.endpoint());
  options["max_attempts"] = max_attempts;
  options["retry_initial_backoff"] = 0.01;
  options["retry_max_backoff"] = 0.05;
  if (request_timeout > 0) options["request_timeout"] = request_timeout;
  proxied->storage = std::make_shared<S3Storage>(S3Server::url(fresh_prefix("faults")), options);
  return proxied;
}

TEST_F(S3MinioTest, RetriesRideOutTransientFaults) {
  auto p = through_proxy(*server_, 4, 0.5);
  S3Storage& storage = *p->storage;
  using testing::Fault;
  for (const Fault fault : {Fault::status_503, Fault::status_500, Fault::drop}) {
    const int before = p->proxy.faults_served();
    p->proxy.inject(fault, 3);
    storage.write("k", "value");
    EXPECT_EQ(p->proxy.faults_served(), before + 3);
    p->proxy.inject(fault, 3);
    EXPECT_EQ(storage.read("k"), "value");
    p->proxy.inject(Fault::none, 0);
  }
  // A stalled answer: the attempt times out (request_timeout 0.5 s) and is retried.
  p->proxy.inject(Fault::delay, 1, std::chrono::milliseconds(1500));
  EXPECT_EQ(storage.read("k"), "value");
  storage.remove_prefix("");
}

TEST_F(S3MinioTest, PersistentFaultsGiveAClearError) {
  auto p = through_proxy(*server_, 3);
  using testing::Fault;
  p->proxy.inject(Fault::status_503, 1000);
  try {
    p->storage->write("k", "v");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503"));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
    EXPECT_THAT(e.what(), HasSubstr("/k"));
  }
  p->proxy.inject(Fault::drop, 1000);
  try {
    p->storage->read("k");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read " + p->storage->url_of("k") + " (GET " +
                                    p->proxy.endpoint() + "/"));
    EXPECT_THAT(e.what(), HasSubstr("(after 3 attempts)"));
  }
  EXPECT_EQ(p->proxy.faults_served(), 6);
  p->proxy.inject(Fault::none, 0);
  p->storage->remove_prefix("");
}

TEST_F(S3MinioTest, ConditionalWriteWhoseAnswerWasLostStillWins) {
  // The first attempt reaches the server and succeeds, but its answer is replaced by a
  // 500: the retry then meets its own object (412) and must still report the win.
  auto p = through_proxy(*server_, 3);
  ASSERT_EQ(p->storage->conditional_writes(), s3::ConditionalWrites::native);
  p->proxy.inject(testing::Fault::lose_answer, 1);
  EXPECT_TRUE(p->storage->write_if("m.json", "mine", WriteCondition::if_absent()));
  EXPECT_EQ(p->proxy.faults_served(), 1);
  EXPECT_FALSE(p->storage->write_if("m.json", "theirs", WriteCondition::if_absent()));
  p->storage->remove_prefix("");
}

TEST_F(S3MinioTest, FailedMultipartUploadIsAborted) {
  auto p = through_proxy(*server_, 1);
  Value options = server_->options(p->proxy.endpoint());
  options["max_attempts"] = 1;
  options["multipart_threshold"] = 5 * 1024 * 1024;
  options["part_size"] = 5 * 1024 * 1024;
  options["part_concurrency"] = 1;
  const std::string prefix = fresh_prefix("aborted");
  S3Storage storage(S3Server::url(prefix), options);
  p->proxy.inject(testing::Fault::status_500, 1, {}, /*after=*/2);  // start, part 1, [part 2]
  EXPECT_THROW(storage.write("big", payload(11 * 1024 * 1024)), StorageError);
  EXPECT_EQ(storage.stat("big"), std::nullopt);
  // No upload is left open under the prefix.
  const s3::S3Client client(s3::resolve_s3_options(S3Server::url(""), server_->options()),
                            http::default_transport());
  const http::Response uploads =
      client.send({.method = "GET", .query = {{"uploads", ""}, {"prefix", prefix}}});
  ASSERT_TRUE(uploads.ok()) << uploads.body;
  EXPECT_THAT(uploads.body, Not(HasSubstr("<UploadId>"))) << uploads.body;
}

}  // namespace
}  // namespace nuthatch
