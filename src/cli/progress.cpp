#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace nuthatch::cli {
namespace {
constexpr auto kDrawInterval = std::chrono::milliseconds(100);
}  // namespace

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
