// run_parallel and WorkerThreads (common/parallel.hpp).

#include "common/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace nuthatch {
namespace {

TEST(RunParallel, RunsEveryTaskOnce) {
  constexpr std::size_t kTasks = 1000;
  std::vector<std::atomic<int>> runs(kTasks);
  run_parallel(kTasks, 8, [&](std::size_t i) { ++runs[i]; });
  for (std::size_t i = 0; i < kTasks; ++i) EXPECT_EQ(runs[i].load(), 1) << i;
}

TEST(RunParallel, NoTasksAndOneThread) {
  int calls = 0;
  run_parallel(0, 4, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  // threads below 1 count as 1: everything on the caller's thread, in order.
  std::vector<std::size_t> order;
  run_parallel(5, 0, [&](std::size_t i) { order.push_back(i); });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(RunParallel, UsesUpToTheThreadsAsked) {
  constexpr int kThreads = 4;
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  run_parallel(64, kThreads, [&](std::size_t) {
    const int now = ++in_flight;
    int previous = most.load();
    while (now > previous && !most.compare_exchange_weak(previous, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    {
      std::lock_guard lock(mutex);
      seen.insert(std::this_thread::get_id());
    }
    --in_flight;
  });
  EXPECT_LE(most.load(), kThreads);
  EXPECT_LE(seen.size(), static_cast<std::size_t>(kThreads));
  EXPECT_TRUE(seen.contains(std::this_thread::get_id()));  // the caller works too
}

TEST(RunParallel, FirstExceptionPropagatesAfterEveryTaskStopped) {
  std::atomic<int> running{0};
  std::atomic<int> started{0};
  EXPECT_THROW(run_parallel(10'000, 4,
                            [&](std::size_t i) {
                              ++running;
                              ++started;
                              if (i == 3) {
                                --running;
                                throw std::runtime_error("task 3 failed");
                              }
                              std::this_thread::sleep_for(std::chrono::microseconds(50));
                              --running;
                            }),
               std::runtime_error);
  EXPECT_EQ(running.load(), 0);        // nothing still runs once it has thrown
  EXPECT_LT(started.load(), 10'000);   // tasks not started yet were skipped
}

TEST(RunParallel, ExceptionOnTheCallersThreadAlone) {
  try {
    run_parallel(3, 1, [](std::size_t i) {
      if (i == 1) throw std::invalid_argument("bad item 1");
    });
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "bad item 1");
  }
}

TEST(WorkerThreads, LoopsRunUntilClosed) {
  std::mutex mutex;
  std::condition_variable changed;
  bool closing = false;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  WorkerThreads threads;
  auto close = [&] { threads.close_and_join(mutex, closing, changed); };
  threads.start(
      3,
      [&] {
        ++started;
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return closing; });
        ++finished;
      },
      close);
  while (started.load() < 3) std::this_thread::yield();
  EXPECT_EQ(finished.load(), 0);
  close();
  EXPECT_EQ(finished.load(), 3);
}

}  // namespace
}  // namespace nuthatch
