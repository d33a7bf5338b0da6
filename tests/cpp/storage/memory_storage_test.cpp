// The `memory` driver beyond the common contract: named stores shared in the process.

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// Pages hold at most kListPageSize objects, and the store is not locked while a page is
// handled (the callback may use the same store).
TEST(MemoryStorageTest, ListPagesAreBoundedAndUnlocked) {
  constexpr std::size_t kObjects = 2 * Storage::kListPageSize + 17;
  auto storage = StorageRegistry::open("memory://list-pages");
  for (std::size_t i = 0; i < kObjects; ++i) storage->write("p/" + std::to_string(i), "v");
  storage->write("q", "outside the prefix");
  std::size_t total = 0;
  std::vector<std::size_t> sizes;
  storage->list_pages("p/", [&](std::vector<ObjectInfo>& page) {
    sizes.push_back(page.size());
    total += page.size();
    EXPECT_TRUE(storage->stat(page.front().path).has_value());  // would deadlock if locked
  });
  EXPECT_EQ(total, kObjects);
  ASSERT_EQ(sizes.size(), 3u);
  for (const std::size_t size : sizes) EXPECT_LE(size, Storage::kListPageSize);
  storage->remove_prefix("");
}

}  // namespace
}  // namespace nuthatch
