#include "common/redact.hpp"

#include <atomic>
#include <utility>

namespace nuthatch {
namespace {

// Constant-initialised, so the hook works from any static constructor or destructor.
constinit std::atomic<Redactor> installed_redactor{nullptr};

}  // namespace

void set_redactor(Redactor redactor) {
  installed_redactor.store(redactor, std::memory_order_release);
}

std::string redact_secrets(std::string text) {
  const Redactor redactor = installed_redactor.load(std::memory_order_acquire);
  if (redactor == nullptr) return text;
  return redactor(std::move(text));
}

}  // namespace nuthatch
