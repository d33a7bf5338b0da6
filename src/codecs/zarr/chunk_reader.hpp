#pragma once
// Fetches stored chunks from a few threads of its own, ahead of the TBB workers that
// decode them, so that reading from an object store keeps more requests in flight than
// there are CPUs: a GET mostly waits on the network, decoding is what needs the cores.
// The read-side twin of ChunkWriter.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/parallel.hpp"

namespace nuthatch::zarr {

/// How far a ChunkReader may read ahead of the decoding.
struct ReadAheadLimits {
  std::size_t threads = 1;  ///< fetches in flight at once
  /// Items held at once, fetching or fetched and not yet taken by consume().
  std::size_t max_chunks = 16;
  /// Bytes of those items (the size hint while fetching, then the fetched size); one
  /// item is always allowed, however large.
  std::uint64_t max_bytes = std::uint64_t{64} << 20;
};

class ChunkReader {
 public:
  /// Reads item i; std::nullopt when it is missing. Called from the reader's threads.
  using Fetch = std::function<std::optional<std::string>(std::size_t)>;
  /// The bytes item i is expected to take, reserved before it is fetched.
  using SizeHint = std::function<std::uint64_t(std::size_t)>;
  /// Uses fetched item i (its bytes may be moved from). Called by consume().
  using Use = std::function<void(std::size_t, std::optional<std::string>&)>;

  /// Starts limits.threads threads that fetch items 0 ... count - 1, in order, while the
  /// limits allow.
  ChunkReader(std::size_t count, Fetch fetch, SizeHint size_hint, ReadAheadLimits limits);
  /// Stops fetching and joins the threads (a fetch in progress is waited for).
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  /// Waits for the next fetched item (whichever arrives first), frees its place in the
  /// limits and calls use() with it on the calling thread. Returns false, without
  /// calling use(), once a failure has been recorded or every item was taken; false also
  /// when use() throws: the exception is recorded as the failure, not rethrown.
  /// Thread-safe.
  bool consume(const Use& use);
  /// Records a failure (the first one wins): fetching stops, consume() returns false.
  void fail(std::exception_ptr error);
  /// Waits for the threads; rethrows the first failure (from a fetch or from use()).
  void finish();

 private:
  struct Fetched {
    std::size_t item = 0;
    std::optional<std::string> bytes;
    std::uint64_t reserved = 0;
  };
  void run();
  void stop();
  /// Whether a fetch reserving `bytes` fits the limits now (mutex_ held).
  bool has_room(std::uint64_t bytes) const;

  const std::size_t count_;
  const Fetch fetch_;
  const SizeHint size_hint_;
  const ReadAheadLimits limits_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Fetched> ready_;
  std::size_t next_ = 0;      ///< the next item to fetch
  std::size_t consumed_ = 0;  ///< items handed to consume()
  std::size_t held_ = 0;      ///< items fetching or ready
  std::uint64_t held_bytes_ = 0;
  std::exception_ptr error_;
  bool closing_ = false;
  WorkerThreads threads_;
};

}  // namespace nuthatch::zarr
