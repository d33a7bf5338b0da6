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
  std::list<Item>& lru = pool(it->second.pool).lru;
  lru.splice(lru.begin(), lru, it->second.item);
  return it->second.item->value;
}

bool Memoizer::put(const std::string& key, Boxed value, std::size_t bytes, MemoryPool p) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) remove(it);
  Pool& target = pool(p);
  if (bytes > target.budget) return false;
  evict_to(p, target.budget - bytes);
  target.lru.push_front(Item{key, std::move(value), bytes});
  index_.emplace(key, Slot{p, target.lru.begin()});
  target.bytes += bytes;
  return true;
}

void Memoizer::erase(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) remove(it);
}

void Memoizer::clear() {
  std::list<Item> dropped[2];  // destroyed outside the lock
  {
    std::lock_guard lock(mu_);
    for (int i = 0; i < 2; ++i) {
      dropped[i].swap(pools_[i].lru);
      pools_[i].bytes = 0;
    }
    index_.clear();
  }
}

void Memoizer::set_budget(std::size_t bytes, MemoryPool p) {
  std::lock_guard lock(mu_);
  pool(p).budget = bytes;
  evict_to(p, bytes);
}

std::size_t Memoizer::budget(MemoryPool p) const {
  std::lock_guard lock(mu_);
  return pool(p).budget;
}

std::size_t Memoizer::bytes(std::optional<MemoryPool> p) const {
  std::lock_guard lock(mu_);
  if (p) return pool(*p).bytes;
  return pools_[0].bytes + pools_[1].bytes;
}

std::size_t Memoizer::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

std::vector<std::pair<std::string, std::size_t>> Memoizer::sizes(MemoryPool p) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::size_t>> out;
  const std::list<Item>& lru = pool(p).lru;
  for (auto it = lru.rbegin(); it != lru.rend(); ++it) out.emplace_back(it->key, it->bytes);
  return out;
}

void Memoizer::remove(std::unordered_map<std::string, Slot>::iterator it) {
  Pool& from = pool(it->second.pool);
  from.bytes -= it->second.item->bytes;
  from.lru.erase(it->second.item);
  index_.erase(it);
}

void Memoizer::evict_to(MemoryPool p, std::size_t limit) {
  Pool& target = pool(p);
  while (target.bytes > limit && !target.lru.empty()) {
    target.bytes -= target.lru.back().bytes;
    index_.erase(target.lru.back().key);
    target.lru.pop_back();
  }
}

}  // namespace nuthatch
