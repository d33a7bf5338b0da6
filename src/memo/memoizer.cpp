#include "memo/memoizer.hpp"

namespace nuthatch {

Memoizer& Memoizer::instance() {
  static Memoizer* m = new Memoizer();  // never destroyed: results may outlive statics
  return *m;
}

std::optional<Boxed> Memoizer::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

bool Memoizer::put(const std::string& key, Boxed value, std::size_t bytes) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (bytes > budget_) return false;
  evict_to(budget_ - bytes);
  lru_.push_front(Item{key, std::move(value), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  return true;
}

void Memoizer::erase(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
}

void Memoizer::clear() {
  std::list<Item> dropped;  // destroyed outside the lock
  {
    std::lock_guard lock(mu_);
    dropped.swap(lru_);
    index_.clear();
    bytes_ = 0;
  }
}

void Memoizer::set_budget(std::size_t bytes) {
  std::lock_guard lock(mu_);
  budget_ = bytes;
  evict_to(budget_);
}

std::size_t Memoizer::budget() const {
  std::lock_guard lock(mu_);
  return budget_;
}
std::size_t Memoizer::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}
std::size_t Memoizer::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

void Memoizer::evict_to(std::size_t limit) {
  while (bytes_ > limit && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

}  // namespace nuthatch
