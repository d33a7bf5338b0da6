#pragma once
// The in-process memoizer: results by memo key, least recently used evicted first, in two
// pools with a byte budget each, as the original Nuthatch keeps them: `local` for results
// held in this process (parameter local_cache_size, else memoize_max_bytes; 2 GiB by
// default) and `remote` for results whose data a distributed scheduler holds (Python's
// persisted dask-backed xarray and dask results; parameter remote_cache_size, 32 GB by
// default). Thread-safe.

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/memory.hpp"

namespace nuthatch {

class Memoizer {
 public:
  static constexpr std::size_t kDefaultBudget = std::size_t{2} << 30;
  static constexpr std::size_t kDefaultRemoteBudget = std::size_t{32'000'000'000};

  static Memoizer& instance();

  /// The value memoized under `key` (now most recently used), or std::nullopt.
  std::optional<Boxed> get(const std::string& key);
  /// Stores a value of `bytes` bytes in `pool`, evicting that pool's least recently used
  /// values to stay within its budget. A value larger than the whole budget is not stored
  /// (returns false).
  bool put(const std::string& key, Boxed value, std::size_t bytes,
           MemoryPool pool = MemoryPool::local);
  void erase(const std::string& key);
  void clear();
  void set_budget(std::size_t bytes, MemoryPool pool = MemoryPool::local);
  std::size_t budget(MemoryPool pool = MemoryPool::local) const;
  /// Bytes held (in `pool`; in both when std::nullopt).
  std::size_t bytes(std::optional<MemoryPool> pool = std::nullopt) const;
  std::size_t size() const;
  /// The keys held in `pool` with their bytes, least recently used first.
  std::vector<std::pair<std::string, std::size_t>> sizes(MemoryPool pool) const;

 private:
  struct Item {
    std::string key;
    Boxed value;
    std::size_t bytes;
  };
  struct Pool {
    std::list<Item> lru;  // front = most recently used
    std::size_t bytes = 0;
    std::size_t budget = 0;
  };
  struct Slot {
    MemoryPool pool;
    std::list<Item>::iterator item;
  };
  Pool& pool(MemoryPool p) { return pools_[static_cast<int>(p)]; }
  const Pool& pool(MemoryPool p) const { return pools_[static_cast<int>(p)]; }
  void remove(std::unordered_map<std::string, Slot>::iterator it);  // requires mu_
  void evict_to(MemoryPool p, std::size_t limit);                   // requires mu_

  mutable std::mutex mu_;
  Pool pools_[2] = {Pool{.lru = {}, .bytes = 0, .budget = kDefaultBudget},
                    Pool{.lru = {}, .bytes = 0, .budget = kDefaultRemoteBudget}};
  std::unordered_map<std::string, Slot> index_;
};

}  // namespace nuthatch
