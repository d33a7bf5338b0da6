#include "common/buffer_pool.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#include "nuthatch/memory.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define NH_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define NH_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define NH_POISON(p, n) ((void)(p), (void)(n))
#define NH_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace nuthatch {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::align_val_t kAlignment{64};
constexpr std::size_t kGranule = std::size_t{64} << 10;  // capacities are multiples of this
constexpr std::size_t kMaxDefaultIdleBytes = std::size_t{4} << 30;
constexpr std::chrono::milliseconds kDefaultIdleTimeout{5000};

std::size_t capacity_for(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule * kGranule; }

void free_buffer(void* p, std::size_t capacity) {
  NH_UNPOISON(p, capacity);
  ::operator delete(p, kAlignment);
}

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  return (end != nullptr && *end == '\0') ? static_cast<std::size_t>(value) : fallback;
}

BufferPoolOptions default_options() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  std::size_t physical = pages > 0 && page_size > 0
                             ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size)
                             : 0;
  BufferPoolOptions o;
  o.max_idle_bytes =
      env_size("NUTHATCH_BUFFER_POOL_BYTES", std::min(physical / 8, kMaxDefaultIdleBytes));
  o.idle_timeout = std::chrono::milliseconds(env_size(
      "NUTHATCH_BUFFER_POOL_IDLE_MS", static_cast<std::size_t>(kDefaultIdleTimeout.count())));
  return o;
}

struct Idle {
  void* data;
  Clock::time_point since;
};

// Idle buffers by capacity; a leaked singleton, so that arrays released during static
// destruction (or by a Python interpreter shutting down) still find it. One background
// thread, started with the first idle buffer, releases expired ones.
class BufferPool {
 public:
  static BufferPool& instance() {
    static BufferPool* pool = [] {
      auto* p = new BufferPool();
      pthread_atfork([] { instance().mutex_.lock(); }, [] { instance().mutex_.unlock(); },
                     [] {  // the child has no reaper thread: the next idle buffer starts one
                       BufferPool& self = instance();
                       self.reaper_running_ = false;
                       // The parent's reaper may have been waiting on `wake_` or `mutex_`
                       // at the fork: the child's copies count a waiter that does not
                       // exist here, and a wait or signal in the child could block on it
                       // for ever. Both start afresh (the old states are abandoned, not
                       // destroyed); the fresh mutex is unlocked.
                       new (&self.wake_) std::condition_variable();
                       new (&self.mutex_) std::mutex();
                     });
      return p;
    }();
    return *pool;
  }

  void* acquire(std::size_t capacity) {
    std::vector<std::pair<void*, std::size_t>> expired;
    {
      std::lock_guard lock(mutex_);
      expire_due(expired);
      // The smallest held buffer that fits, if it wastes at most a quarter.
      auto it = idle_.lower_bound(capacity);
      if (it != idle_.end() && it->first <= capacity + capacity / 4) {
        void* p = it->second.data;
        idle_bytes_ -= it->first;
        idle_.erase(it);
        ++stats_.reused;
        NH_UNPOISON(p, capacity);
        free_all(expired);
        return p;
      }
      ++stats_.allocated;
    }
    free_all(expired);
    return ::operator new(capacity, kAlignment);
  }

  void give_back(void* p, std::size_t capacity) {
    std::vector<std::pair<void*, std::size_t>> evicted;
    {
      std::lock_guard lock(mutex_);
      if (capacity > options_.max_idle_bytes || options_.idle_timeout.count() <= 0) {
        evicted.emplace_back(p, capacity);
      } else {
        NH_POISON(p, capacity);
        idle_.emplace(capacity, Idle{p, Clock::now()});
        idle_bytes_ += capacity;
        evict_over_limit(evicted);
        start_reaper();
        if (reaper_running_) wake_.notify_one();
        expire_due(evicted);
      }
    }
    free_all(evicted);
  }

  BufferPoolOptions options() {
    std::lock_guard lock(mutex_);
    return options_;
  }

  void set_options(const BufferPoolOptions& options) {
    std::vector<std::pair<void*, std::size_t>> evicted;
    {
      std::lock_guard lock(mutex_);
      options_ = options;
      if (options_.idle_timeout.count() <= 0) options_.max_idle_bytes = 0;
      evict_over_limit(evicted);
      wake_.notify_one();
    }
    for (auto [q, n] : evicted) free_buffer(q, n);
  }

  BufferPoolStats stats() {
    std::vector<std::pair<void*, std::size_t>> expired;
    BufferPoolStats s;
    {
      std::lock_guard lock(mutex_);
      expire_due(expired);
      s = stats_;
      s.idle_bytes = idle_bytes_;
      s.idle_buffers = idle_.size();
    }
    free_all(expired);
    return s;
  }

  void release_all() {
    std::vector<std::pair<void*, std::size_t>> evicted;
    {
      std::lock_guard lock(mutex_);
      for (auto& [capacity, idle] : idle_) evicted.emplace_back(idle.data, capacity);
      stats_.released += idle_.size();
      idle_.clear();
      idle_bytes_ = 0;
    }
    for (auto [q, n] : evicted) free_buffer(q, n);
  }

 private:
  BufferPool() : options_(default_options()) {}

  // The oldest idle buffers until the total is within the limit (caller holds mutex_).
  void evict_over_limit(std::vector<std::pair<void*, std::size_t>>& out) {
    while (idle_bytes_ > options_.max_idle_bytes && !idle_.empty()) {
      auto oldest = std::min_element(idle_.begin(), idle_.end(), [](const auto& a, const auto& b) {
        return a.second.since < b.second.since;
      });
      take(oldest, out);
    }
  }

  void take(std::multimap<std::size_t, Idle>::iterator it,
            std::vector<std::pair<void*, std::size_t>>& out) {
    out.emplace_back(it->second.data, it->first);
    idle_bytes_ -= it->first;
    ++stats_.released;
    idle_.erase(it);
  }

  static void free_all(const std::vector<std::pair<void*, std::size_t>>& buffers) {
    for (auto [q, n] : buffers) free_buffer(q, n);
  }

  // Caller holds mutex_. A thread that cannot be started (a process or cgroup at its
  // thread limit) is no error: buffers then expire when the pool is next used
  // (expire_due), and the next idle buffer tries again.
  void start_reaper() {
    if (reaper_running_) return;
    try {
      std::thread([this] { reap(); }).detach();
      reaper_running_ = true;
    } catch (const std::system_error&) {
      reaper_running_ = false;
    }
  }

  // Caller holds mutex_: moves the buffers idle longer than the timeout to `out` and
  // returns when the next one expires (time_point::max() when none is held).
  Clock::time_point take_expired(std::vector<std::pair<void*, std::size_t>>& out) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto it = idle_.begin(); it != idle_.end();) {
      const auto deadline = it->second.since + options_.idle_timeout;
      if (deadline <= now) {
        auto gone = it++;
        take(gone, out);
      } else {
        next = std::min(next, deadline);
        ++it;
      }
    }
    return next;
  }

  // Caller holds mutex_: the reaper's work, done inline by every use of the pool, so
  // that expiry never depends on the reaper being scheduled. A thread started in a
  // forked child may never run: a lock the fork copied held (one of a sanitizer's
  // runtime, say) can block it before it reaches reap().
  void expire_due(std::vector<std::pair<void*, std::size_t>>& out) {
    if (!idle_.empty()) take_expired(out);
  }

  // Releases buffers idle longer than the timeout; sleeps until the next one expires.
  [[noreturn]] void reap() {
    std::unique_lock lock(mutex_);
    for (;;) {
      std::vector<std::pair<void*, std::size_t>> expired;
      const auto next = take_expired(expired);
      if (!expired.empty()) {
        lock.unlock();
        free_all(expired);
        lock.lock();
        continue;  // time passed while freeing: look again
      }
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  BufferPoolOptions options_;
  std::multimap<std::size_t, Idle> idle_;
  std::size_t idle_bytes_ = 0;
  BufferPoolStats stats_;
  bool reaper_running_ = false;
};

}  // namespace

namespace detail {

std::shared_ptr<void> allocate_buffer(std::size_t bytes) {
  if (bytes < kMinPooledBufferBytes) {
    void* p = ::operator new(std::max<std::size_t>(bytes, 1), kAlignment);
    return std::shared_ptr<void>(p, [](void* q) { ::operator delete(q, kAlignment); });
  }
  const std::size_t capacity = capacity_for(bytes);
  void* p = BufferPool::instance().acquire(capacity);
  return std::shared_ptr<void>(
      p, [capacity](void* q) { BufferPool::instance().give_back(q, capacity); });
}

}  // namespace detail

BufferPoolOptions buffer_pool_options() { return BufferPool::instance().options(); }

void set_buffer_pool_options(const BufferPoolOptions& options) {
  BufferPool::instance().set_options(options);
}

BufferPoolStats buffer_pool_stats() { return BufferPool::instance().stats(); }

void release_idle_buffers() { BufferPool::instance().release_all(); }

}  // namespace nuthatch
