#pragma once
// Writes encoded chunks to storage from a few threads of its own, so that a write that
// blocks (the file driver fsyncs every object it writes) overlaps the encoding of the
// next chunks on the TBB workers instead of idling them.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include "common/parallel.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::zarr {

class ChunkWriter {
 public:
  /// Starts `threads` writer threads; at most `capacity` writes wait in the queue.
  ChunkWriter(Storage& storage, std::size_t threads, std::size_t capacity);
  /// Drops the writes still queued and joins the threads (finish() first to wait).
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  /// A buffer for the next push: a recycled one (its size kept, so refilling it does not
  /// zero-fill it again) when there is one.
  std::string take_buffer();
  /// Queues storage.write(key, buffer[0, size)); blocks while the queue is full. Does
  /// nothing once a failure has been recorded. Thread-safe.
  void push(std::string key, std::string buffer, std::size_t size);
  /// Records a failure (the first one wins): queued writes are dropped, push() stops.
  void fail(std::exception_ptr error);
  /// Whether a failure has been recorded.
  bool failed() const;
  /// Waits for the queued writes and joins the threads; rethrows the first failure.
  /// Returns the bytes written.
  std::uint64_t finish();

 private:
  struct Job {
    std::string key;
    std::string buffer;
    std::size_t size = 0;
  };
  void run();
  void stop();

  Storage& storage_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable queue_changed_;
  std::deque<Job> queue_;
  std::vector<std::string> free_buffers_;
  std::exception_ptr error_;
  bool closing_ = false;
  std::uint64_t written_ = 0;
  WorkerThreads threads_;
};

}  // namespace nuthatch::zarr
