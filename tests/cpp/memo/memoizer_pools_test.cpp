// The memoizer's two pools (memo/memoizer.hpp): each keeps its own budget and evicts its
// own least recently used results; a key lives in one pool at a time.

#include <gtest/gtest.h>

#include <string>

#include "memo/memoizer.hpp"

namespace nuthatch {
namespace {

class MemoizerPoolsTest : public ::testing::Test {
 protected:
  Memoizer memo_;
  static Boxed value(int v) { return Boxed::make<int>(v); }
};

TEST_F(MemoizerPoolsTest, EachPoolEvictsWithinItsOwnBudget) {
  memo_.set_budget(100, MemoryPool::local);
  memo_.set_budget(1000, MemoryPool::remote);
  EXPECT_TRUE(memo_.put("a", value(1), 60));
  EXPECT_TRUE(memo_.put("big", value(2), 900, MemoryPool::remote));
  EXPECT_TRUE(memo_.put("b", value(3), 60));  // evicts "a" only: the remote pool is apart
  EXPECT_FALSE(memo_.get("a"));
  EXPECT_EQ(memo_.get("big")->as<int>(), 2);
  EXPECT_EQ(memo_.bytes(MemoryPool::local), 60u);
  EXPECT_EQ(memo_.bytes(MemoryPool::remote), 900u);
  EXPECT_EQ(memo_.bytes(), 960u);
  EXPECT_FALSE(memo_.put("huge", value(4), 101));  // larger than its pool's budget
  EXPECT_TRUE(memo_.put("huge", value(4), 101, MemoryPool::remote));  // evicts "big"
  EXPECT_FALSE(memo_.get("big"));
}

TEST_F(MemoizerPoolsTest, SizesListAPoolLeastRecentlyUsedFirst) {
  memo_.put("x", value(1), 10);
  memo_.put("y", value(2), 20);
  memo_.put("r", value(3), 30, MemoryPool::remote);
  memo_.get("x");
  using Sizes = std::vector<std::pair<std::string, std::size_t>>;
  EXPECT_EQ(memo_.sizes(MemoryPool::local), (Sizes{{"y", 20}, {"x", 10}}));
  EXPECT_EQ(memo_.sizes(MemoryPool::remote), (Sizes{{"r", 30}}));
}

TEST_F(MemoizerPoolsTest, AKeyMovesBetweenPoolsWhenStoredAgain) {
  memo_.put("k", value(1), 10);
  memo_.put("k", value(2), 30, MemoryPool::remote);
  EXPECT_EQ(memo_.bytes(MemoryPool::local), 0u);
  EXPECT_EQ(memo_.bytes(MemoryPool::remote), 30u);
  EXPECT_EQ(memo_.size(), 1u);
  EXPECT_EQ(memo_.get("k")->as<int>(), 2);
  memo_.erase("k");
  EXPECT_EQ(memo_.bytes(), 0u);
  memo_.put("k", value(3), 5);
  memo_.clear();
  EXPECT_EQ(memo_.size(), 0u);
  EXPECT_FALSE(memo_.get("k"));
}

}  // namespace
}  // namespace nuthatch
