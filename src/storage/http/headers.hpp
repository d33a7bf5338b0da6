#pragma once
// Header values and ranged answers read the same way by every HTTP-based driver (s3, gs,
// az, http).

#include <string>
#include <string_view>

#include "nuthatch/storage.hpp"
#include "storage/http/transport.hpp"

namespace nuthatch::http {

/// An ETag without its quotes and weak marker: "\"abc\"" and "W/\"abc\"" -> "abc".
std::string unquote(std::string_view etag);

/// The value of a Range (or x-ms-range) header for `range`: "bytes=<first>-[<last>]".
std::string range_header(const ByteRange& range);

/// The headers of a conditional PUT (S3, Azure): "If-None-Match: *" for if_absent,
/// "If-Match: \"<generation>\"" for if_generation, none for none.
Headers condition_headers(const WriteCondition& condition);

/// Whether reading `range` needs a Range header (it does not start at 0 and run to the end).
inline bool is_ranged(const ByteRange& range) {
  return range.offset > 0 || range.length.has_value();
}

/// The bytes of `range` from the answer to a GET that asked for it (`ranged`: with a
/// Range header) and succeeded: 206 is the range itself, 416 lies past the end of an
/// object that exists (no bytes), and a 200 to a ranged GET is the whole object, from
/// which the range is cut (a server that ignores Range). Moves the body out.
std::string body_of_range(Response& response, const ByteRange& range, bool ranged);

}  // namespace nuthatch::http
