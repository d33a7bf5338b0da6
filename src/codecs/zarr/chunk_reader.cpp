// The fetch threads of ChunkReader. Invariants:
//  1. An item is held from the moment a thread reserves its place to fetch it until
//     consume() takes it: at most max_chunks items, and max_bytes bytes (the size hint
//     while fetching, the fetched size after), are held at once, unless a single item is
//     larger. Each consumer holds one more item while it uses it, as it would if it
//     read the item itself. So memory stays bounded however far decoding lags behind.
//  2. Items are fetched in order but consumed as they arrive: no decoding thread waits
//     for one slow request while other chunks are ready.
//  3. The first failure wins: once error_ is set, no new fetch starts, the fetched items
//     are dropped, consume() returns false and finish() rethrows it.
//  4. The destructor returns only after every thread has stopped: no thread outlives the
//     read that started it, whether it succeeded or failed.

#include "codecs/zarr/chunk_reader.hpp"

#include <algorithm>

namespace nuthatch::zarr {

ChunkReader::ChunkReader(std::size_t count, Fetch fetch, SizeHint size_hint, ReadAheadLimits limits)
    : count_(count), fetch_(std::move(fetch)), size_hint_(std::move(size_hint)), limits_(limits) {
  const std::size_t threads = std::min(count, std::max<std::size_t>(1, limits.threads));
  threads_.start(threads, [this] { run(); }, [this] { stop(); });
}

ChunkReader::~ChunkReader() { stop(); }

void ChunkReader::stop() { threads_.close_and_join(mutex_, closing_, changed_); }

bool ChunkReader::has_room(std::uint64_t bytes) const {
  if (held_ == 0) return true;
  return held_ < limits_.max_chunks && held_bytes_ + bytes <= limits_.max_bytes;
}

void ChunkReader::run() {
  while (true) {
    std::size_t item = 0;
    std::uint64_t reserved = 0;
    {
      std::unique_lock lock(mutex_);
      // The hint of the next item is asked under the lock: it is a cheap lookup.
      changed_.wait(lock, [&] {
        return closing_ || error_ || next_ == count_ || has_room(size_hint_(next_));
      });
      if (closing_ || error_ || next_ == count_) return;
      item = next_++;
      reserved = size_hint_(item);
      ++held_;
      held_bytes_ += reserved;
    }
    Fetched fetched{item, std::nullopt, reserved};
    try {
      fetched.bytes = fetch_(item);
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    {
      std::lock_guard lock(mutex_);
      const std::uint64_t size = fetched.bytes ? fetched.bytes->size() : 0;
      held_bytes_ = held_bytes_ - fetched.reserved + size;
      fetched.reserved = size;
      if (!error_) ready_.push_back(std::move(fetched));
    }
    changed_.notify_all();
  }
}

bool ChunkReader::consume(const Use& use) {
  Fetched fetched;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || error_ || consumed_ == count_; });
    if (error_ || ready_.empty()) return false;
    fetched = std::move(ready_.front());
    ready_.pop_front();
    ++consumed_;
    --held_;
    held_bytes_ -= fetched.reserved;
  }
  changed_.notify_all();  // a fetch may wait for room, a consumer for the last item
  try {
    use(fetched.item, fetched.bytes);
  } catch (...) {
    fail(std::current_exception());
    return false;
  }
  return true;
}

void ChunkReader::fail(std::exception_ptr error) {
  {
    std::lock_guard lock(mutex_);
    if (error_) return;
    error_ = std::move(error);
    ready_.clear();
  }
  changed_.notify_all();
}

void ChunkReader::finish() {
  stop();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace nuthatch::zarr
