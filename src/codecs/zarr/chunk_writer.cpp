// The writer threads of ChunkWriter. Invariants:
//  1. At most `capacity` jobs wait in the queue and one is being written per thread, so
//     with the buffers recycled through free_buffers_ the memory is bounded by
//     (capacity + threads + producers) chunk buffers.
//  2. The first failure wins: once error_ is set, queued jobs are dropped, push() is a
//     no-op and finish() rethrows it.
//  3. finish() returns only after every job pushed before it was written (or dropped by
//     a failure): the caller writes metadata after it, never before its chunks.

#include "codecs/zarr/chunk_writer.hpp"

namespace nuthatch::zarr {

ChunkWriter::ChunkWriter(Storage& storage, std::size_t threads, std::size_t capacity)
    : storage_(storage), capacity_(capacity) {
  threads_.start(threads, [this] { run(); }, [this] { stop(); });
}

ChunkWriter::~ChunkWriter() {
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
  }
  stop();
}

void ChunkWriter::stop() { threads_.close_and_join(mutex_, closing_, queue_changed_); }

std::string ChunkWriter::take_buffer() {
  std::lock_guard lock(mutex_);
  if (free_buffers_.empty()) return {};
  std::string buffer = std::move(free_buffers_.back());
  free_buffers_.pop_back();
  return buffer;
}

void ChunkWriter::push(std::string key, std::string buffer, std::size_t size) {
  std::unique_lock lock(mutex_);
  queue_changed_.wait(lock, [&] { return queue_.size() < capacity_ || error_; });
  if (error_) return;
  queue_.push_back({std::move(key), std::move(buffer), size});
  lock.unlock();
  queue_changed_.notify_all();
}

void ChunkWriter::fail(std::exception_ptr error) {
  {
    std::lock_guard lock(mutex_);
    if (error_) return;
    error_ = std::move(error);
    queue_.clear();
  }
  queue_changed_.notify_all();
}

bool ChunkWriter::failed() const {
  std::lock_guard lock(mutex_);
  return error_ != nullptr;
}

std::uint64_t ChunkWriter::finish() {
  stop();
  if (error_) std::rethrow_exception(error_);
  return written_;
}

void ChunkWriter::run() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      queue_changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;  // closing, and nothing left to write
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    queue_changed_.notify_all();  // a producer may wait for room
    try {
      storage_.write(job.key, std::string_view(job.buffer.data(), job.size));
    } catch (...) {
      fail(std::current_exception());
      continue;
    }
    std::lock_guard lock(mutex_);
    written_ += job.size;
    free_buffers_.push_back(std::move(job.buffer));
  }
}

}  // namespace nuthatch::zarr
