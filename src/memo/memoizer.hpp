#pragma once
// The in-process memoizer: results by memo key, least recently used evicted first, within
// a byte budget (parameter memoize_max_bytes, 2 GiB by default). Thread-safe.

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "nuthatch/boxed.hpp"

namespace nuthatch {

class Memoizer {
 public:
  static constexpr std::size_t kDefaultBudget = std::size_t{2} << 30;

  static Memoizer& instance();

  /// The value memoized under `key` (now most recently used), or std::nullopt.
  std::optional<Boxed> get(const std::string& key);
  /// Stores a value of `bytes` bytes, evicting least recently used ones to stay within
  /// the budget. A value larger than the whole budget is not stored (returns false).
  bool put(const std::string& key, Boxed value, std::size_t bytes);
  void erase(const std::string& key);
  void clear();
  void set_budget(std::size_t bytes);
  std::size_t budget() const;
  std::size_t bytes() const;
  std::size_t size() const;

 private:
  struct Item {
    std::string key;
    Boxed value;
    std::size_t bytes;
  };
  void evict_to(std::size_t limit);  // requires mu_

  mutable std::mutex mu_;
  std::list<Item> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<Item>::iterator> index_;
  std::size_t bytes_ = 0;
  std::size_t budget_ = kDefaultBudget;
};

}  // namespace nuthatch
