#pragma once
// What the answer to a conditional PUT means, for the object-store drivers (s3 If-Match /
// If-None-Match, gs ifGenerationMatch, az If-Match / If-None-Match). The server evaluates
// the condition and writes atomically; the drivers differ in how they ask and in which
// statuses refuse, not in how they read the answer.

#include <functional>

#include "storage/http/transport.hpp"

namespace nuthatch::http {

enum class WriteOutcome { won, lost, failed };

/// The outcome of a conditional PUT from its answer:
///  - 2xx: won;
///  - a refusal (`refused`: the driver's reading of the status, the condition does not
///    hold): lost, unless an earlier attempt
///    may have taken effect before its answer was lost (maybe_applied_before). The refusal
///    may then be of our own write, which is won when `holds_our_bytes()` says the stored
///    object now holds this write's bytes (the same MD5);
///  - `nothing_to_match` (the driver's reading of a 404 for an If-Match write: no object,
///    in a bucket that exists): lost;
///  - anything else, an unanswered request included: failed, for the driver's fail().
WriteOutcome conditional_write_outcome(const Response& response, bool refused,
                                       bool nothing_to_match,
                                       const std::function<bool()>& holds_our_bytes);

}  // namespace nuthatch::http
