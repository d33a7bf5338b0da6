#pragma once
// The nested-call context: one Frame per running cached call, linked to its caller's.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "meta/manifest.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch {

/// Entries read or written by nested calls while one call computes (its `inputs`).
struct Lineage {
  std::mutex mu;
  std::vector<InputRef> inputs;
  void add(InputRef ref) {
    std::lock_guard lock(mu);
    for (const auto& in : inputs) {
      if (in == ref) return;
    }
    inputs.push_back(std::move(ref));
  }
  std::vector<InputRef> take() {
    std::lock_guard lock(mu);
    return inputs;
  }
};

/// What a call passes down to the calls it makes (DESIGN §5).
struct CallContext::Frame {
  std::string function;
  std::optional<CacheMode> cache_mode;
  std::optional<bool> force_overwrite;
  std::optional<bool> retry_null_cache;
  Value backend_kwargs = Value::object();
  FunctionSet recompute;  ///< propagating selection only (a list or all)
  FunctionSet memoize;    ///< propagating selection only
  std::shared_ptr<Lineage> lineage;  ///< created when the call computes
};

namespace context {
/// The innermost running call of this thread, or nullptr at top level.
const std::shared_ptr<CallContext::Frame>& current();
/// Makes `frame` current for the lifetime of the guard.
class Push {
 public:
  explicit Push(std::shared_ptr<CallContext::Frame> frame);
  ~Push();
  Push(const Push&) = delete;
  Push& operator=(const Push&) = delete;

 private:
  std::shared_ptr<CallContext::Frame> saved_;
};
}  // namespace context

}  // namespace nuthatch
