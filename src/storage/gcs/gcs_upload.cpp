// GcsStorage::put_large: one object from a resumable upload sent in chunks.
//
// Invariants:
//  R1. The object appears only when the last chunk is accepted (GCS finalizes the upload
//      atomically): a reader sees the old object or the complete new one.
//  R2. Every chunk but the last is a multiple of 256 KiB (chunk_size is rounded down to
//      one); the last carries the total size, so GCS knows the upload is complete.
//  R3. The next chunk starts where the server says it has persisted bytes up to (the
//      Range header of a 308), not where we stopped sending: a chunk that was cut short
//      or retried is resumed, never duplicated or skipped.
//  R4. Any failure cancels the session (DELETE on its URI), best-effort; the cancel's own
//      failure never hides the first error. An abandoned session expires after a week.
//
// Steps:
//  1. POST /upload/storage/v1/b/<bucket>/o?uploadType=resumable&name=<name> -> Location
//  2. PUT <Location> with Content-Range: bytes a-b/<total>  -> 308 (more) | 200 / 201
//  3. on failure: DELETE <Location>

#include <algorithm>

#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/gcs/gcs_storage.hpp"
#include "storage/http/status.hpp"
#include "storage/http/url.hpp"

namespace nuthatch {
namespace {

// Chunks in a row that move the persisted offset nowhere before giving up.
constexpr int kMaxStalledChunks = 3;

// The persisted offset a 308 reports ("Range: bytes=0-<last>"), or 0 when none is.
std::uint64_t persisted_bytes(const http::Response& response) {
  const auto range = response.header("range");
  if (!range) return 0;
  const std::size_t dash = range->rfind('-');
  if (dash == std::string::npos || dash + 1 >= range->size()) return 0;
  return require_uint<StorageError>(std::string_view(*range).substr(dash + 1),
                                    "the Range of a resumable upload's answer") +
         1;
}

}  // namespace

void GcsStorage::put_large(const std::string& name, std::string_view data) const {
  const gcs::GcsOptions& opts = client_.options();
  // 1. Start a session.
  gcs::GcsCall start{.method = "POST",
                     .target = client_.upload_path(),
                     .query = {{"uploadType", "resumable"}, {"name", name}},
                     .headers = {{"Content-Type", "application/json; charset=UTF-8"},
                                 {"X-Upload-Content-Type", "application/octet-stream"},
                                 {"X-Upload-Content-Length", std::to_string(data.size())}},
                     .body = "{}"};
  const http::Response started = client_.try_send(start);
  if (!started.ok()) client_.fail("cannot start a resumable upload of", name, started);
  const std::string session = started.header("location").value_or("");
  if (session.empty()) {
    throw StorageError("cannot start a resumable upload of " + client_.gs_url(name) +
                       ": the answer holds no Location");
  }
  http::parse_url(session, "the resumable upload session of " + client_.gs_url(name));

  try {
    // 2. Chunks, in order.
    const std::string total = std::to_string(data.size());
    std::uint64_t offset = 0;
    int stalled = 0;
    for (;;) {
      const std::uint64_t size = std::min<std::uint64_t>(opts.chunk_size, data.size() - offset);
      const std::string range = size == 0 ? "bytes */" + total
                                          : "bytes " + std::to_string(offset) + "-" +
                                                std::to_string(offset + size - 1) + "/" + total;
      const http::Response response = client_.try_send(
          {.method = "PUT",
           .target = session,
           .headers = {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}},
           .body = data.substr(offset, size)});
      if (response.ok()) return;
      if (response.status != http::kResumeIncomplete) {
        client_.fail("cannot upload a chunk of", name, response);
      }
      const std::uint64_t persisted = persisted_bytes(response);
      stalled = persisted > offset ? 0 : stalled + 1;
      if (stalled >= kMaxStalledChunks || persisted > data.size()) {
        throw StorageError("resumable upload of " + client_.gs_url(name) +
                           " makes no progress at byte " + std::to_string(persisted));
      }
      offset = persisted;
    }
  } catch (...) {
    // 3. Cancel, best-effort.
    try {
      client_.send({.method = "DELETE", .target = session});
    } catch (const std::exception&) {
    }
    throw;
  }
}

}  // namespace nuthatch
