// S3Storage::put_large: one object from many parts uploaded in parallel.
//
// Invariants:
//  M1. The object appears only at step 3 (CompleteMultipartUpload is atomic): a reader sees
//      the old object or the complete new one, never some parts.
//  M2. Every part but the last is part_size bytes (at least 5 MiB, S3's minimum); the part
//      size grows when the payload would need more than 10000 parts.
//  M3. Parts are uploaded by at most part_concurrency threads (each request also waits for
//      a slot of the client's max_concurrency); the first failure stops the others from
//      starting new parts.
//  M4. Any failure aborts the upload (step 4), so no invisible parts are left billed; the
//      abort is best-effort and its own failure never hides the first error.
//
// Steps:
//  1. POST ?uploads                        -> UploadId
//  2. PUT ?partNumber=N&uploadId=ID (each)  -> the part's ETag
//  3. POST ?uploadId=ID with the part list  -> 200, whose body may still be an <Error>
//  4. on failure: DELETE ?uploadId=ID

#include <vector>

#include "common/parallel.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/xml.hpp"
#include "storage/s3/s3_storage.hpp"

namespace nuthatch {
namespace {

// Step 2: every part, on up to part_concurrency threads (M3); returns their ETags in order.
std::vector<std::string> upload_parts(const s3::S3Client& client, const std::string& key,
                                      const std::string& upload_id, std::string_view data) {
  const s3::S3Options& opts = client.options();
  const PartLayout parts =
      PartLayout::of(data.size(), opts.part_size, s3::kMinPartSize, s3::kMaxParts);
  std::vector<std::string> etags(parts.count);
  run_parallel(parts.count, opts.part_concurrency, [&](std::size_t i) {
    const std::string number = std::to_string(i + 1);
    const s3::S3Call call{.method = "PUT",
                          .key = key,
                          .query = {{"partNumber", number}, {"uploadId", upload_id}},
                          .body = parts.part(data, i)};
    const http::Response response = client.try_send(call);
    if (!response.ok()) client.fail("cannot upload part " + number + " of", key, response);
    etags[i] = response.header("etag").value_or("");
    if (etags[i].empty()) {
      throw StorageError("uploading part " + number + " of " + client.s3_url(key) +
                         " returned no ETag");
    }
  });
  return etags;
}

// Step 3.
void complete_upload(const s3::S3Client& client, const std::string& key,
                     const std::string& upload_id, const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (std::size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            xml::escape(etags[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  const s3::S3Call call{.method = "POST",
                        .key = key,
                        .query = {{"uploadId", upload_id}},
                        .headers = {{"Content-Type", "application/xml"}},
                        .body = body};
  const http::Response response = client.try_send(call);
  // A 200 whose body is an <Error> is a failure too (S3 sends 200 before it knows).
  if (!response.ok() ||
      xml::parse(response.body, "CompleteMultipartUpload of " + client.s3_url(key))->name ==
          "Error") {
    client.fail("cannot complete the multipart upload of", key, response);
  }
}

}  // namespace

void S3Storage::put_large(const std::string& key, std::string_view data) const {
  // 1. Start.
  const s3::S3Call start{.method = "POST",
                         .key = key,
                         .query = {{"uploads", ""}},
                         .headers = {{"Content-Type", "application/octet-stream"}}};
  const http::Response started = client_.try_send(start);
  if (!started.ok()) client_.fail("cannot start a multipart upload of", key, started);
  const std::string upload_id =
      xml::parse(started.body, "CreateMultipartUpload of " + client_.s3_url(key))
          ->child_text("UploadId");
  if (upload_id.empty()) {
    throw StorageError("cannot start a multipart upload of " + client_.s3_url(key) +
                       ": the answer holds no UploadId");
  }
  try {
    complete_upload(client_, key, upload_id, upload_parts(client_, key, upload_id, data));
  } catch (...) {
    // 4. Abort, best-effort (M4).
    try {
      client_.send({.method = "DELETE", .key = key, .query = {{"uploadId", upload_id}}});
    } catch (const std::exception&) {
      // The first error matters more; a bucket lifecycle rule can clean up.
    }
    throw;
  }
}

}  // namespace nuthatch
