// Retries and faults of the gs and az drivers, through a fault-injecting proxy
// (support/loopback_http.hpp) in front of fake-gcs-server and Azurite: 500s, 503s, slow
// answers and dropped connections are ridden out while they are transient, give a clear
// error when they persist, and a large upload that fails half-way leaves no object. The
// s3 driver's equivalents are in s3/s3_storage_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/loopback_http.hpp"

namespace nuthatch {
namespace {

using testing::EmulatorKind;
using testing::Fault;
using ::testing::HasSubstr;

std::string payload(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  return data;
}

class EmulatorFaultTest : public ::testing::TestWithParam<EmulatorKind> {
 protected:
  void SetUp() override { NH_REQUIRE_EMULATOR(GetParam(), server_); }
  void TearDown() override {
    if (proxy_) proxy_->inject(Fault::none, 0);
    for (auto& storage : opened_) storage->remove_prefix("");
  }

  /// A fresh location reached through a fault-injecting proxy, retrying fast.
  StoragePtr through_proxy(int max_attempts, Value extra = Value::object()) {
    proxy_ = std::make_unique<testing::LoopbackHttpServer>(testing::forward_to(server_->port()));
    extra["endpoint_url"] = server_->endpoint_at(proxy_->endpoint());
    extra["max_attempts"] = max_attempts;
    extra["retry_initial_backoff"] = 0.01;
    extra["retry_max_backoff"] = 0.05;
    auto location = testing::emulator_location(GetParam(), "faults", std::move(extra));
    opened_.push_back(location.storage);
    return location.storage;
  }

  std::shared_ptr<testing::EmulatorServer> server_;
  std::unique_ptr<testing::LoopbackHttpServer> proxy_;
  std::vector<StoragePtr> opened_;
};

TEST_P(EmulatorFaultTest, RetriesRideOutTransientFaults) {
  auto storage = through_proxy(4, Value::object({{"request_timeout", 0.5}}));
  for (const Fault fault : {Fault::status_503, Fault::status_500, Fault::drop}) {
    SCOPED_TRACE(static_cast<int>(fault));
    const int before = proxy_->faults_served();
    proxy_->inject(fault, 3);
    storage->write("k", "value");
    EXPECT_EQ(proxy_->faults_served(), before + 3);
    proxy_->inject(fault, 3);
    EXPECT_EQ(storage->read("k"), "value");
    proxy_->inject(fault, 3);
    EXPECT_TRUE(storage->stat("k"));
    proxy_->inject(Fault::none, 0);
  }
  // A stalled answer: the attempt times out (request_timeout 0.5 s) and is retried.
  proxy_->inject(Fault::delay, 1, std::chrono::milliseconds(1500));
  EXPECT_EQ(storage->read("k"), "value");
  EXPECT_EQ(proxy_->faults_served(), 28);
}

TEST_P(EmulatorFaultTest, PersistentFaultsGiveAClearError) {
  auto storage = through_proxy(3);
  proxy_->inject(Fault::status_503, 1000);
  try {
    storage->write("dir/k", "v");
    FAIL() << "a write through persistent 503s succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(storage->url_of("dir/k")));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503"));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
  }
  proxy_->inject(Fault::drop, 1000);
  try {
    storage->read("dir/k");
    FAIL() << "a read through dropped connections succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read " + storage->url_of("dir/k") + " (GET " +
                                    proxy_->endpoint() + "/"));
    EXPECT_THAT(e.what(), HasSubstr("(after 3 attempts)"));
  }
  EXPECT_EQ(proxy_->faults_served(), 6);
  proxy_->inject(Fault::none, 0);
  EXPECT_EQ(storage->read("dir/k"), std::nullopt);  // nothing was written
}

// A resumable upload (gs) or staged blocks (az) whose third request fails: the object
// never appears, and the next write of it succeeds.
TEST_P(EmulatorFaultTest, LargeWriteFailingHalfWayLeavesNoObject) {
  auto storage = through_proxy(1, Value::object({{"resumable_threshold", 512 * 1024},
                                                 {"chunk_size", 256 * 1024},
                                                 {"block_threshold", 512 * 1024},
                                                 {"block_size", 256 * 1024},
                                                 {"block_concurrency", 1}}));
  const std::string data = payload(1024 * 1024 + 4321);
  proxy_->inject(Fault::status_500, 1, {}, /*after=*/2);
  try {
    storage->write("big.bin", data);
    FAIL() << "a write whose upload failed half-way succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("big.bin"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 500"));
  }
  EXPECT_EQ(proxy_->faults_served(), 1);
  EXPECT_EQ(storage->stat("big.bin"), std::nullopt);
  EXPECT_TRUE(storage->list("").empty());
  storage->write("big.bin", data);
  EXPECT_EQ(storage->read("big.bin"), data);
}

INSTANTIATE_TEST_SUITE_P(Emulators, EmulatorFaultTest,
                         ::testing::Values(EmulatorKind::fake_gcs, EmulatorKind::azurite),
                         [](const auto& info) -> std::string {
                           return info.param == EmulatorKind::fake_gcs ? "gcs_fake"
                                                                       : "azure_azurite";
                         });

}  // namespace
}  // namespace nuthatch
