#include "config/secrets.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "common/strings.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::config {
namespace {

constexpr std::size_t kMinSecretLength = 4;
constexpr std::array<std::string_view, 4> kSecretWords = {"secret", "password", "token", "key"};

// Longest first, so a secret that contains a shorter one is masked whole.
struct LongestFirst {
  bool operator()(const std::string& a, const std::string& b) const {
    if (a.size() != b.size()) return a.size() > b.size();
    return a < b;
  }
};

// Every log line and error message goes through redact(), so the common case (no
// secret known) is one relaxed atomic load.
class SecretRegistry {
 public:
  static SecretRegistry& instance() {
    // Never destroyed: log lines written during static destruction still redact.
    static auto* registry = new SecretRegistry;
    return *registry;
  }

  void add(const std::string& value) {
    if (value.size() < kMinSecretLength) return;
    {
      std::shared_lock lock(mutex_);
      if (values_.contains(value)) return;
    }
    std::unique_lock lock(mutex_);
    values_.insert(value);
    any_.store(true, std::memory_order_release);
  }

  std::string redact(std::string text) const {
    if (!any_.load(std::memory_order_acquire)) return text;
    std::shared_lock lock(mutex_);
    for (const std::string& secret : values_) {
      for (auto pos = text.find(secret); pos != std::string::npos;
           pos = text.find(secret, pos + kSecretMask.size())) {
        text.replace(pos, secret.size(), kSecretMask);
      }
    }
    return text;
  }

 private:
  mutable std::shared_mutex mutex_;
  std::atomic<bool> any_{false};
  std::set<std::string, LongestFirst> values_;
};

}  // namespace

bool is_secret_name(const std::string& name) {
  const std::string lower = to_lower(name);
  for (std::string_view word : kSecretWords) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

void remember_secrets(const Value& value, bool secret) {
  switch (value.kind()) {
    case Value::Kind::string:
      if (secret) SecretRegistry::instance().add(value.as<std::string>());
      return;
    case Value::Kind::array:
      for (const Value& item : value.array_items()) remember_secrets(item, secret);
      return;
    case Value::Kind::object:
      for (const auto& [name, member] : value.members()) {
        remember_secrets(member, secret || is_secret_name(name));
      }
      return;
    default:
      return;
  }
}

Value mask_secrets(const Value& value, bool secret, bool* masked) {
  if (secret) {
    if (masked != nullptr) *masked = true;
    return Value(kSecretMask);
  }
  if (value.is_array()) {
    Value::Array items;
    for (const Value& item : value.array_items()) {
      items.push_back(mask_secrets(item, false, masked));
    }
    return Value(std::move(items));
  }
  if (value.is_object()) {
    Value::Members members;
    for (const auto& [name, member] : value.members()) {
      members.emplace_back(name, mask_secrets(member, is_secret_name(name), masked));
    }
    return Value(std::move(members));
  }
  return value;
}

}  // namespace nuthatch::config

namespace nuthatch {

std::string redact(std::string text) {
  return config::SecretRegistry::instance().redact(std::move(text));
}

}  // namespace nuthatch
