#include "storage/http/headers.hpp"

#include <algorithm>

#include "storage/http/status.hpp"

namespace nuthatch::http {
std::string unquote(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string range_header(const ByteRange& range) {
  std::string value = "bytes=" + std::to_string(range.offset) + "-";
  if (range.length) value += std::to_string(range.offset + *range.length - 1);
  return value;
}

Headers condition_headers(const WriteCondition& condition) {
  switch (condition.kind) {
    case WriteCondition::Kind::if_absent:
      return {{"If-None-Match", "*"}};
    case WriteCondition::Kind::if_generation:
      return {{"If-Match", "\"" + condition.generation + "\""}};
    case WriteCondition::Kind::none:
      break;
  }
  return {};
}

std::string body_of_range(Response& response, const ByteRange& range, bool ranged) {
  if (response.status == kRangeNotSatisfiable) return std::string();
  if (response.status == kPartialContent || !ranged) return std::move(response.body);
  const std::string& body = response.body;
  if (range.offset >= body.size()) return std::string();
  const std::uint64_t available = body.size() - range.offset;
  return body.substr(range.offset, std::min(range.length.value_or(available), available));
}

}  // namespace nuthatch::http
