#pragma once
// Where an s3:// location lives and how to reach it: bucket, prefix, endpoint, addressing,
// region, credentials and transfer settings, from the location's `filesystem_options`,
// then the AWS environment variables, then the shared credentials / config files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nuthatch/value.hpp"
#include "storage/http/client.hpp"
#include "storage/http/url.hpp"
#include "storage/s3/sigv4.hpp"

namespace nuthatch::s3 {

/// How write_if is carried out.
enum class ConditionalWrites {
  automatic,  ///< probe the server once per process and bucket (default)
  native,     ///< If-None-Match / If-Match on PUT; the server enforces them atomically
  emulated,   ///< HEAD, then PUT under a per-process lock: not atomic across processes
};

struct S3Options {
  std::string bucket;
  std::string prefix;           ///< object-key prefix of the location, no leading / trailing '/'
  http::Url endpoint;           ///< scheme, host and port (and a base path) of the service
  bool virtual_hosted = false;  ///< bucket in the host name instead of the path
  std::string region = "us-east-1";
  std::optional<Credentials> credentials;  ///< std::nullopt: anonymous, unsigned requests
  std::uint64_t multipart_threshold = 16 * 1024 * 1024;  ///< write() above this: multipart
  std::uint64_t part_size = 16 * 1024 * 1024;            ///< at least 5 MiB (S3's minimum)
  int part_concurrency = 4;                              ///< parts of one upload in flight
  int max_keys = 1000;                                   ///< page size of listings (1..1000)
  ConditionalWrites conditional_writes = ConditionalWrites::automatic;
  http::ClientOptions client;
};

/// S3's smallest part but the last.
inline constexpr std::uint64_t kMinPartSize = 5 * 1024 * 1024;
/// S3's largest number of parts in one upload.
inline constexpr std::uint64_t kMaxParts = 10000;

/// Resolves the options of the location `url` ("s3://bucket[/prefix]").
///
/// filesystem_options members: endpoint_url, region, key, secret, token, anon, profile,
/// addressing_style ("auto" | "path" | "virtual"), multipart_threshold, part_size,
/// part_concurrency, max_keys, conditional_writes ("auto" | "native" | "emulate"), and
/// the transport options of http::parse_client_options. Fallbacks: AWS_ENDPOINT_URL_S3 /
/// AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID +
/// AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then the profile (option `profile`, else
/// AWS_PROFILE, else "default") of AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and,
/// for the region, AWS_CONFIG_FILE (~/.aws/config).
/// Throws ConfigError (never quoting a secret) for a malformed URL or option, or when no
/// credentials are found and `anon` is not true.
S3Options resolve_s3_options(const std::string& url, const Value& options);

}  // namespace nuthatch::s3
