#include "engine/backend_hints.hpp"

#include <mutex>
#include <unordered_map>

namespace nuthatch::backend_hints {
namespace {

struct Hints {
  std::mutex mu;
  std::unordered_map<std::string, std::string> by_function;
};

Hints& hints() {
  static auto* h = new Hints();  // never destroyed: used at exit
  return *h;
}

}  // namespace

std::optional<std::string> get(const std::string& function) {
  Hints& h = hints();
  std::lock_guard lock(h.mu);
  auto it = h.by_function.find(function);
  if (it == h.by_function.end()) return std::nullopt;
  return it->second;
}

void put(const std::string& function, const std::string& backend) {
  Hints& h = hints();
  std::lock_guard lock(h.mu);
  h.by_function[function] = backend;
}

void clear() {
  Hints& h = hints();
  std::lock_guard lock(h.mu);
  h.by_function.clear();
}

}  // namespace nuthatch::backend_hints
