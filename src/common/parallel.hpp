#pragma once
// Thread fan-out, in one place for every layer: run_parallel() for a batch of independent
// tasks (storage deletes and block uploads, zarr shard indexes, CLI manifest reads), and
// WorkerThreads for a few long-lived loops an owner wakes and closes (zarr chunk readers
// and writers).

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nuthatch {

/// Runs task(0) ... task(count - 1) on at most `threads` threads, the caller's included
/// (a `threads` below 1 counts as 1). The first exception stops tasks that have not
/// started yet; it is rethrown once every running task has finished.
void run_parallel(std::size_t count, int threads, const std::function<void(std::size_t)>& task);

/// A few threads that each run a loop until their owner closes them, woken through the
/// owner's condition variable. Not thread-safe: one owner starts and closes them.
class WorkerThreads {
 public:
  /// Starts `count` threads running `loop`. When one cannot start, `close()` is called
  /// (it must make the started loops return, see close_and_join) and the error rethrown.
  void start(std::size_t count, const std::function<void()>& loop,
             const std::function<void()>& close);

  /// Sets `closing` under `mutex`, wakes every thread waiting on `changed`, and joins
  /// them all (their loops return once they see `closing`).
  void close_and_join(std::mutex& mutex, bool& closing, std::condition_variable& changed);

 private:
  std::vector<std::thread> threads_;
};

}  // namespace nuthatch
