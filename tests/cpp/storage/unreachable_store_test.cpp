// s3, gs and az locations whose server is gone (a loopback port nothing listens on): every
// operation fails with a StorageError that names what it was doing and the object's
// location, as an HTTP error would, then the request that met the dead endpoint and the
// attempts made, and never a credential. No server is needed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "support/loopback_http.hpp"
#include "support/scoped_env.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "SECRET-must-not-leak";

struct DeadStore {
  std::string name;
  std::string url;
  /// The location's options for an endpoint, with kSecret as its credential.
  std::function<Value(const std::string& endpoint)> options;
  std::string upload_method;  ///< of a single-request write
  friend void PrintTo(const DeadStore& s, std::ostream* os) { *os << s.name; }
};

const DeadStore kStores[] = {
    {"s3", "s3://bucket/root",
     [](const std::string& endpoint) {
       return Value::object({{"endpoint_url", endpoint},
                             {"key", "AKIDEXAMPLE"},
                             {"secret", kSecret},
                             {"region", "us-east-1"},
                             {"conditional_writes", "native"}});
     },
     "PUT"},
    {"gs", "gs://bucket/root",
     [](const std::string& endpoint) {
       return Value::object({{"endpoint_url", endpoint}, {"token", kSecret}});
     },
     "POST"},
    {"az", "az://container/root",
     [](const std::string& endpoint) {
       return Value::object({{"connection_string",
                              "BlobEndpoint=" + endpoint +
                                  "/account;SharedAccessSignature=sv=2021-12-02&sig=" + kSecret}});
     },
     "PUT"},
};

class UnreachableStoreTest : public ::testing::TestWithParam<DeadStore> {
 protected:
  // No credentials or endpoints of the developer's shell take part.
  testing::ScopedEnv env_{
      {"AWS_ACCESS_KEY_ID", nullptr},       {"AWS_SECRET_ACCESS_KEY", nullptr},
      {"AWS_SESSION_TOKEN", nullptr},       {"AWS_ENDPOINT_URL", nullptr},
      {"AWS_ENDPOINT_URL_S3", nullptr},     {"AWS_PROFILE", nullptr},
      {"STORAGE_EMULATOR_HOST", nullptr},   {"GOOGLE_APPLICATION_CREDENTIALS", nullptr},
      {"AZURE_STORAGE_ACCOUNT", nullptr},   {"AZURE_STORAGE_KEY", nullptr},
      {"AZURE_STORAGE_SAS_TOKEN", nullptr}, {"AZURE_STORAGE_CONNECTION_STRING", nullptr}};
};

TEST_P(UnreachableStoreTest, ErrorsNameTheLocationAndTheDeadEndpoint) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  Value options = GetParam().options(dead);
  options["max_attempts"] = 2;
  options["retry_initial_backoff"] = 0.01;
  options["retry_max_backoff"] = 0.02;
  options["connect_timeout"] = 2;
  const StoragePtr storage = StorageRegistry::open(GetParam().url, options);

  struct Operation {
    std::string action;  ///< how the message starts, up to the location
    std::function<void()> run;
  };
  const std::string dir = storage->url_of("dir/");  // every operation's location is under it
  const std::string key = storage->url_of("dir/k");
  const std::vector<Operation> operations = {
      {"cannot write " + key + " (" + GetParam().upload_method + " " + dead + "/",
       [&] { storage->write("dir/k", "v"); }},
      {"cannot write " + key + " (" + GetParam().upload_method + " " + dead + "/",
       [&] { storage->write_if("dir/k", "v", WriteCondition::if_absent()); }},
      {"cannot read " + key + " (GET " + dead + "/", [&] { storage->read("dir/k"); }},
      {"cannot stat " + key + " (", [&] { storage->stat("dir/k"); }},
      {"cannot list " + dir + " (GET " + dead + "/", [&] { storage->list("dir/"); }},
      {"cannot delete", [&] { storage->remove({"dir/k"}); }},
  };
  for (const Operation& operation : operations) {
    SCOPED_TRACE(operation.action);
    try {
      operation.run();
      FAIL() << "an operation on a dead server succeeded";
    } catch (const StorageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(operation.action));
      EXPECT_THAT(e.what(), HasSubstr(dir));
      EXPECT_THAT(e.what(), HasSubstr(dead));
      EXPECT_THAT(e.what(), HasSubstr("(after 2 attempts)"));
      EXPECT_THAT(e.what(), Not(HasSubstr(kSecret)));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, UnreachableStoreTest, ::testing::ValuesIn(kStores),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace nuthatch
