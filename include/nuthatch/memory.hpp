#pragma once
/// The buffer pool: large array buffers are recycled instead of returned to the system.
///
/// Reading a dataset fills freshly allocated buffers, and the first write to each page of
/// fresh memory costs a page fault and the kernel zeroing the page; on virtual machines
/// that is often slower than decoding the data into it. A dask computation over a stored
/// dataset reads block after block of the same shape, so the engine keeps the buffers of
/// arrays that were released (NDArray::uninitialized ones of at least
/// kMinPooledBufferBytes) and hands them to the next array that fits, as the allocators
/// Arrow builds on (jemalloc, mimalloc) keep freed pages for a decay time.
///
/// Idle buffers are held at most `idle_timeout` and at most `max_idle_bytes` in all (the
/// oldest go first); a background thread returns expired ones to the system. Defaults:
/// an eighth of physical memory, at most 4 GiB, and 5 seconds; the environment variables
/// NUTHATCH_BUFFER_POOL_BYTES and NUTHATCH_BUFFER_POOL_IDLE_MS override them at start-up
/// (0 bytes turns pooling off).

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace nuthatch {

/// The memoizer's pools (each with its budget), as the original Nuthatch keeps them:
/// results held in this process, and results whose data a distributed scheduler holds
/// (Python's persisted dask-backed results).
enum class MemoryPool { local = 0, remote = 1 };

/// Buffers smaller than this come from the C++ allocator directly (which recycles small
/// blocks itself).
inline constexpr std::size_t kMinPooledBufferBytes = std::size_t{1} << 20;

struct BufferPoolOptions {
  std::size_t max_idle_bytes = 0;             ///< idle buffers held in all; 0: no pooling
  std::chrono::milliseconds idle_timeout{0};  ///< an idle buffer is released after this
};

struct BufferPoolStats {
  std::size_t idle_bytes = 0;    ///< capacity of the buffers held now
  std::size_t idle_buffers = 0;  ///< buffers held now
  std::uint64_t reused = 0;      ///< allocations served by a held buffer, since start
  std::uint64_t allocated = 0;   ///< pooled-size allocations that took new memory
  std::uint64_t released = 0;    ///< held buffers returned to the system (expired,
                                 ///< over the limit or released on request)
};

/// The options in force (from the environment at start-up, or the last set).
BufferPoolOptions buffer_pool_options();
/// Changes the limits; buffers now over them are released at once.
void set_buffer_pool_options(const BufferPoolOptions& options);
BufferPoolStats buffer_pool_stats();
/// Returns every idle buffer to the system now.
void release_idle_buffers();

}  // namespace nuthatch
