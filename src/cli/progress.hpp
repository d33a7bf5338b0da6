#pragma once
// A progress line for long CLI operations, and how the CLI fans them out over threads
// (the fan-out itself is common/parallel.hpp).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "common/parallel.hpp"

namespace nuthatch::cli {

/// Threads used for reading manifests (list -v, du, gc).
inline constexpr int kReadThreads = 8;

/// run_parallel under the name the commands use: fn(i) for every i in [0, n) on up to
/// `threads` threads; the first exception skips the rest and is rethrown.
inline void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  run_parallel(n, threads, fn);
}

/// A progress line on stderr ("label: done/total") for long operations. Shown only when
/// `allowed` (callers pass false in --json mode), stderr is a terminal and the operation
/// has more than kMinItems items. advance() is thread-safe.
class Progress {
 public:
  static constexpr std::size_t kMinItems = 1000;

  Progress(std::string label, std::size_t total, bool allowed);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::size_t n = 1);

 private:
  void draw(std::size_t done);

  std::string label_;
  std::size_t total_;
  bool shown_;
  std::atomic<std::size_t> done_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::size_t drawn_ = 0;  ///< the count last drawn
};

}  // namespace nuthatch::cli
