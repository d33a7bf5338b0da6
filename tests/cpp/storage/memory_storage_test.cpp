// The `memory` driver beyond the common contract: named stores shared in the process.

#include <gtest/gtest.h>

#include <string>

#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

TEST(MemoryStorageTest, OpensOfOneNameShareData) {
  auto first = StorageRegistry::open("memory://shared-store");
  auto second = StorageRegistry::open("memory://shared-store/");
  auto other = StorageRegistry::open("memory://other-store");
  first->write("k", "v");
  EXPECT_EQ(second->read("k"), "v");
  EXPECT_EQ(other->read("k"), std::nullopt);
  EXPECT_EQ(second->remove_prefix(""), 1u);
  EXPECT_EQ(first->read("k"), std::nullopt);
}

TEST(MemoryStorageTest, UrlIsAsGiven) {
  auto storage = StorageRegistry::open("memory://named");
  EXPECT_EQ(storage->url(), "memory://named");
  EXPECT_EQ(storage->url_of("meta/x.json"), "memory://named/meta/x.json");
  EXPECT_EQ(storage->url_of("/meta/x.json"), "memory://named/meta/x.json");
}

TEST(MemoryStorageTest, GenerationsNeverRepeat) {
  auto storage = StorageRegistry::open("memory://generations");
  storage->write("k", "v");
  const std::string before = storage->stat("k")->generation;
  storage->remove({"k"});
  storage->write("k", "v");
  EXPECT_NE(storage->stat("k")->generation, before);
  storage->remove_prefix("");
}

}  // namespace
}  // namespace nuthatch
