#include "cli/parallel.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

namespace nuthatch::cli {
namespace {
constexpr auto kDrawInterval = std::chrono::milliseconds(100);
}  // namespace

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  const std::size_t workers =
      std::min<std::size_t>(n, static_cast<std::size_t>(std::max(threads, 1)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < n && !failed; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(workers);
    for (std::size_t t = 0; t < workers; ++t) pool.emplace_back(work);
  }
  if (first_error) std::rethrow_exception(first_error);
}

Progress::Progress(std::string label, std::size_t total, bool allowed)
    : label_(std::move(label)),
      total_(total),
      shown_(allowed && total > kMinItems && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (!shown_) return;
  if (drawn_ != done_.load()) draw(done_.load());
  std::fputs("\n", stderr);
}

void Progress::advance(std::size_t n) {
  const std::size_t done = done_ += n;
  if (!shown_) return;
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kDrawInterval && done < total_) return;
  last_draw_ = now;
  draw(done);
}

void Progress::draw(std::size_t done) {
  drawn_ = done;
  fmt::print(stderr, "\r{}: {}/{} ({}%)", label_, done, total_,
             total_ == 0 ? 100 : done * 100 / total_);
  std::fflush(stderr);
}

}  // namespace nuthatch::cli
