#pragma once
// The thread handling ChunkWriter and ChunkReader share: a few threads that each run a
// loop until told to close, woken through the owner's condition variable.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nuthatch::zarr {

class WorkerThreads {
 public:
  /// Starts `count` threads running `loop`. When one cannot start, the started ones are
  /// closed (`close()` is called, see close_and_join) and joined, and the error rethrown.
  void start(std::size_t count, const std::function<void()>& loop,
             const std::function<void()>& close) {
    threads_.reserve(count);
    try {
      for (std::size_t i = 0; i < count; ++i) threads_.emplace_back(loop);
    } catch (...) {
      close();
      throw;
    }
  }

  /// Sets `closing` under `mutex`, wakes every thread waiting on `changed`, and joins
  /// them all (their loops return once they see `closing`).
  void close_and_join(std::mutex& mutex, bool& closing, std::condition_variable& changed) {
    {
      std::lock_guard lock(mutex);
      closing = true;
    }
    changed.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::thread> threads_;
};

}  // namespace nuthatch::zarr
