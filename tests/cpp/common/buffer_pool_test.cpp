// The buffer pool (nuthatch/memory.hpp): released array buffers of pooled size are handed
// to the next array that fits, within the idle limits, and given back to the system
// when they expire.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "nuthatch/memory.hpp"
#include "nuthatch/ndarray.hpp"

namespace nuthatch {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMiB = 1 << 20;

// A float32 array of `mib` MiB.
NDArray array_of_mib(double mib) {
  return NDArray::uninitialized(DType::float32, {static_cast<std::int64_t>(mib * kMiB / 4)});
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class BufferPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = buffer_pool_options();
    release_idle_buffers();
    set_buffer_pool_options({.max_idle_bytes = 64 * kMiB, .idle_timeout = 60s});
  }
  void TearDown() override {
    release_idle_buffers();
    set_buffer_pool_options(saved_);
  }
  BufferPoolOptions saved_;
};

TEST_F(BufferPoolTest, DefaultsComeFromMemorySizeOrEnvironment) {
  // SetUp saved what the process started with: enabled, bounded, with a timeout.
  EXPECT_GT(saved_.max_idle_bytes, 0u);
  EXPECT_LE(saved_.max_idle_bytes, std::size_t{4} << 30);
  EXPECT_GT(saved_.idle_timeout.count(), 0);
}

TEST_F(BufferPoolTest, AReleasedBufferIsHandedToTheNextArrayThatFits) {
  const auto before = buffer_pool_stats();
  const void* first = nullptr;
  {
    NDArray a = array_of_mib(8);
    first = a.data();
    auto values = a.mutable_values<float>();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  }
  auto held = buffer_pool_stats();
  EXPECT_EQ(held.idle_buffers, 1u);
  EXPECT_EQ(held.idle_bytes, std::size_t(8 * kMiB));

  NDArray b = array_of_mib(7.5);  // a little smaller: still fits, wastes under a quarter
  EXPECT_EQ(b.data(), first);
  EXPECT_EQ(b.nbytes(), std::size_t(7.5 * kMiB));
  auto after = buffer_pool_stats();
  EXPECT_EQ(after.reused - before.reused, 1u);
  EXPECT_EQ(after.idle_buffers, 0u);
  // The recycled buffer is the array's own: writable in full, and it reads back.
  auto values = b.mutable_values<float>();
  EXPECT_EQ(b.data(), first);  // sole owner: no copy on write
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = -static_cast<float>(i);
  EXPECT_EQ(b.values<float>().back(), -static_cast<float>(values.size() - 1));
}

TEST_F(BufferPoolTest, ABufferMuchLargerThanTheRequestIsNotUsed) {
  {
    NDArray big = array_of_mib(16);
  }
  const auto before = buffer_pool_stats();
  NDArray small = array_of_mib(4);  // 16 MiB would waste three quarters
  const auto after = buffer_pool_stats();
  EXPECT_EQ(after.reused, before.reused);
  EXPECT_EQ(after.allocated - before.allocated, 1u);
  EXPECT_EQ(after.idle_buffers, 1u);
}

TEST_F(BufferPoolTest, SmallArraysBypassThePool) {
  const auto before = buffer_pool_stats();
  {
    NDArray a = NDArray::uninitialized(DType::uint8, {kMinPooledBufferBytes - 1});
  }
  const auto after = buffer_pool_stats();
  EXPECT_EQ(after.allocated, before.allocated);
  EXPECT_EQ(after.idle_buffers, 0u);
}

TEST_F(BufferPoolTest, TheOldestGoFirstWhenOverTheLimit) {
  set_buffer_pool_options({.max_idle_bytes = 20 * kMiB, .idle_timeout = 60s});
  std::vector<NDArray> arrays;
  std::vector<const void*> addresses;
  for (double mib : {8.0, 6.0, 5.0}) {  // distinct sizes: none fits another's request
    arrays.push_back(array_of_mib(mib));
    addresses.push_back(arrays.back().data());
  }
  const auto before = buffer_pool_stats();
  arrays.clear();  // released in order 8, 6, 5: 19 MiB held
  EXPECT_EQ(buffer_pool_stats().idle_bytes, std::size_t(19 * kMiB));
  {
    NDArray c = array_of_mib(3);
  }  // 22 MiB: the oldest (8 MiB) goes
  const auto after = buffer_pool_stats();
  EXPECT_EQ(after.idle_bytes, std::size_t(14 * kMiB));
  EXPECT_EQ(after.idle_buffers, 3u);
  EXPECT_EQ(after.released - before.released, 1u);
  NDArray again = array_of_mib(6);
  EXPECT_EQ(again.data(), addresses[1]);

  // Lowering the limit releases at once.
  set_buffer_pool_options({.max_idle_bytes = 4 * kMiB, .idle_timeout = 60s});
  EXPECT_LE(buffer_pool_stats().idle_bytes, std::size_t(4 * kMiB));
}

TEST_F(BufferPoolTest, AnArrayLargerThanTheLimitIsNotHeld) {
  set_buffer_pool_options({.max_idle_bytes = 4 * kMiB, .idle_timeout = 60s});
  {
    NDArray a = array_of_mib(5);
  }
  EXPECT_EQ(buffer_pool_stats().idle_buffers, 0u);
}

TEST_F(BufferPoolTest, IdleBuffersExpire) {
  set_buffer_pool_options({.max_idle_bytes = 64 * kMiB, .idle_timeout = 50ms});
  const auto before = buffer_pool_stats();
  {
    NDArray a = array_of_mib(2);
    NDArray b = array_of_mib(3);
  }
  EXPECT_TRUE(wait_for([] { return buffer_pool_stats().idle_buffers == 0; }))
      << buffer_pool_stats().idle_buffers << " buffers still held";
  EXPECT_EQ(buffer_pool_stats().released - before.released, 2u);
  EXPECT_EQ(buffer_pool_stats().idle_bytes, 0u);
}

TEST_F(BufferPoolTest, ZeroBytesTurnsPoolingOff) {
  set_buffer_pool_options({.max_idle_bytes = 0, .idle_timeout = 60s});
  {
    NDArray a = array_of_mib(2);
  }
  EXPECT_EQ(buffer_pool_stats().idle_buffers, 0u);
  set_buffer_pool_options({.max_idle_bytes = 64 * kMiB, .idle_timeout = 0ms});
  {
    NDArray a = array_of_mib(2);
  }
  EXPECT_EQ(buffer_pool_stats().idle_buffers, 0u);
}

TEST_F(BufferPoolTest, ManyThreadsShareThePool) {
  constexpr int kThreads = 8, kRounds = 200;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int r = 0; r < kRounds; ++r) {
        NDArray a = array_of_mib(1 + (t + r) % 3);
        auto values = a.mutable_values<float>();
        const float mark = static_cast<float>(t * kRounds + r);
        values.front() = mark;
        values.back() = mark;
        std::this_thread::yield();
        if (a.values<float>().front() != mark || a.values<float>().back() != mark) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(buffer_pool_stats().idle_bytes, std::size_t(64 * kMiB));
}

TEST_F(BufferPoolTest, AForkedChildExpiresItsOwnBuffers) {
  set_buffer_pool_options({.max_idle_bytes = 64 * kMiB, .idle_timeout = 50ms});
  {
    NDArray warm = array_of_mib(2);
  }  // the parent's reaper thread exists now
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the child: no reaper thread was copied, a new one must start
    {
      NDArray a = array_of_mib(3);
    }
    const bool expired = wait_for([] { return buffer_pool_stats().idle_buffers == 0; }, 5s);
    _exit(expired ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's idle buffers never expired";
}

#if defined(__SANITIZE_ADDRESS__)
TEST_F(BufferPoolTest, TouchingAHeldBufferIsCaughtBySanitizers) {
  // Held buffers are poisoned: a use after release is reported as it would be for
  // memory returned to the allocator.
  const float* stale = nullptr;
  {
    NDArray a = array_of_mib(2);
    stale = a.values<float>().data();
  }
  ASSERT_EQ(buffer_pool_stats().idle_buffers, 1u);
  EXPECT_DEATH({ [[maybe_unused]] volatile float f = stale[10]; }, "use-after-poison");
}
#endif

}  // namespace
}  // namespace nuthatch
