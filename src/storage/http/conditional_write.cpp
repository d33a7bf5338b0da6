#include "storage/http/conditional_write.hpp"

namespace nuthatch::http {

WriteOutcome conditional_write_outcome(const Response& response, bool refused,
                                       bool nothing_to_match,
                                       const std::function<bool()>& holds_our_bytes) {
  if (response.ok()) return WriteOutcome::won;
  if (refused) {
    // The object holding our bytes is as good as our write having won: either it did, or
    // another writer stored the very same bytes.
    return response.maybe_applied_before && holds_our_bytes() ? WriteOutcome::won
                                                              : WriteOutcome::lost;
  }
  return nothing_to_match ? WriteOutcome::lost : WriteOutcome::failed;
}

}  // namespace nuthatch::http
