#include "common/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>

namespace nuthatch {

void run_parallel(std::size_t count, int threads, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::size_t i = next++; i < count && !failed; i = next++) {
      try {
        task(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  const std::size_t pool_size = std::min<std::size_t>(count, std::max(1, threads));
  std::vector<std::thread> pool;
  pool.reserve(pool_size);
  try {
    for (std::size_t t = 1; t < pool_size; ++t) pool.emplace_back(worker);
  } catch (...) {
    // A thread that cannot start: the caller's thread and those started do the work.
  }
  worker();
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

void WorkerThreads::start(std::size_t count, const std::function<void()>& loop,
                          const std::function<void()>& close) {
  threads_.reserve(count);
  try {
    for (std::size_t i = 0; i < count; ++i) threads_.emplace_back(loop);
  } catch (...) {
    close();
    throw;
  }
}

void WorkerThreads::close_and_join(std::mutex& mutex, bool& closing,
                                   std::condition_variable& changed) {
  {
    std::lock_guard lock(mutex);
    closing = true;
  }
  changed.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace nuthatch
