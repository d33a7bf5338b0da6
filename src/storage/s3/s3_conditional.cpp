// S3Storage::put_if (ObjectStorage::write_if): the compare-and-swap that commits manifests.
//
// Native (the server enforces the condition atomically, as AWS S3 since 2024 and MinIO do):
//  - if_absent:      PUT with "If-None-Match: *"      -> 200 won, 412 (or 409) lost
//  - if_generation:  PUT with "If-Match: \"<etag>\""  -> 200 won, 412 / 409 / 404 lost
//  A 412 after a retried attempt may be our own earlier attempt that succeeded before its
//  answer was lost: then the object's ETag is the MD5 of our bytes, and we report success
//  (the reading every driver shares, http/conditional_write.hpp).
//
// Emulated (servers that answer 501 NotImplemented, or that ignore the headers and
// overwrite): HEAD, check the condition, PUT — under a per-process lock for the key, so
// the swap is atomic among the threads of this process but NOT across processes or
// machines: two processes can both "win". A warning says so once per process and bucket.
//
// With conditional_writes = "auto" (the default) the first write_if on a bucket probes the
// server once per process: it writes a probe object under the location, checks that both
// conditions are refused with 412 when they do not hold, and removes it.

#include <array>
#include <functional>
#include <map>
#include <mutex>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "storage/http/status.hpp"
#include "storage/s3/s3_storage.hpp"

namespace nuthatch {
namespace {

constexpr std::size_t kLockStripes = 64;
// An ETag no object has: If-Match with it must fail.
constexpr std::string_view kImpossibleEtag = "00000000000000000000000000000000";

// Locks of the emulation, striped by key.
std::mutex& emulation_lock(std::string_view bucket_key) {
  static std::array<std::mutex, kLockStripes> locks;
  return locks[std::hash<std::string_view>{}(bucket_key) % kLockStripes];
}

// What the probe found, per endpoint and bucket, for this process.
struct ProbeCache {
  std::mutex mutex;
  std::map<std::string, s3::ConditionalWrites> found;
};

ProbeCache& probe_cache() {
  static ProbeCache cache;
  return cache;
}

bool is_not_implemented(const http::Response& response) {
  return response.status == http::kNotImplemented || s3::s3_error_code(response.body) == "NotImplemented";
}

std::string bucket_id(const s3::S3Options& options) {
  return options.endpoint.origin() + "/" + options.bucket;
}

void warn_emulated(const s3::S3Options& options, std::string_view why) {
  log::warn_once("s3-conditional-writes:" + bucket_id(options),
                 "s3: " + options.endpoint.origin() + " (bucket '" + options.bucket + "') " +
                     std::string(why) +
                     "; emulating conditional writes with HEAD then PUT, which is atomic only "
                     "within this process: concurrent writers in other processes may both "
                     "commit the same entry");
}

}  // namespace

bool S3Storage::put_if(const std::string& key, std::string_view data,
                       const WriteCondition& condition) {
  if (conditional_writes() == s3::ConditionalWrites::native) {
    bool unsupported = false;
    const bool won = put_if_native(key, data, condition, &unsupported);
    if (!unsupported) return won;
    warn_emulated(client_.options(), "answered a conditional PUT with NotImplemented");
    fallen_back_ = true;
    std::lock_guard lock(probe_cache().mutex);
    probe_cache().found[bucket_id(client_.options())] = s3::ConditionalWrites::emulated;
  }
  return put_if_emulated(key, data, condition);
}

bool S3Storage::put_if_native(const std::string& key, std::string_view data,
                              const WriteCondition& condition, bool* unsupported) {
  const http::Response response = put(key, data, condition);
  if (!response.ok() && is_not_implemented(response)) {
    *unsupported = true;
    return false;
  }
  // A 409 (on AWS, ConditionalRequestConflict: a concurrent write of the key) is lost
  // outright; only a 412 is checked for an earlier attempt of ours.
  if (response.status == http::kConflict) return false;
  return settle_conditional_put(key, data, condition, response,
                                response.status == http::kPreconditionFailed);
}

bool S3Storage::put_if_emulated(const std::string& key, std::string_view data,
                                const WriteCondition& condition) {
  std::lock_guard lock(emulation_lock(client_.options().bucket + "/" + key));
  const std::optional<ObjectHead> now = head(key, key);
  const bool holds = condition.kind == WriteCondition::Kind::if_absent
                         ? !now.has_value()
                         : now.has_value() && now->info.generation == condition.generation;
  if (!holds) return false;
  const http::Response response = put(key, data, WriteCondition::none());
  if (!response.ok()) client_.fail("cannot write", key, response);
  return true;
}

s3::ConditionalWrites S3Storage::conditional_writes() {
  const s3::S3Options& options = client_.options();
  if (fallen_back_) return s3::ConditionalWrites::emulated;
  if (options.conditional_writes == s3::ConditionalWrites::emulated) {
    warn_emulated(options, "is configured with conditional_writes = \"emulate\"");
  }
  if (options.conditional_writes != s3::ConditionalWrites::automatic) {
    return options.conditional_writes;
  }
  ProbeCache& cache = probe_cache();
  std::lock_guard lock(cache.mutex);
  const std::string id = bucket_id(options);
  if (auto it = cache.found.find(id); it != cache.found.end()) return it->second;
  const s3::ConditionalWrites mode = probe_conditional_writes();
  if (mode == s3::ConditionalWrites::emulated) {
    warn_emulated(options, "does not enforce If-None-Match / If-Match on PUT");
  }
  cache.found[id] = mode;
  return mode;
}

s3::ConditionalWrites S3Storage::probe_conditional_writes() {
  const std::string key = name_of(std::string(kProbePrefix) + random_hex());
  const http::Response created = put(key, "probe", WriteCondition::none());
  if (!created.ok()) client_.fail("cannot write the conditional-write probe", key, created);
  s3::ConditionalWrites mode = s3::ConditionalWrites::native;
  try {
    for (const WriteCondition& condition :
         {WriteCondition::if_absent(),
          WriteCondition::if_generation(std::string(kImpossibleEtag))}) {
      const http::Response response = put(key, "overwritten", condition);
      if (response.status == http::kPreconditionFailed) continue;
      if (response.ok() || is_not_implemented(response) || response.status == http::kNotFound) {
        mode = s3::ConditionalWrites::emulated;
        break;
      }
      client_.fail("cannot probe conditional writes with", key, response);
    }
  } catch (...) {
    delete_batch({&key, 1});
    throw;
  }
  delete_batch({&key, 1});
  return mode;
}

}  // namespace nuthatch
