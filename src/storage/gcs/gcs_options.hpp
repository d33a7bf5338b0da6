#pragma once
// Where a gs:// location lives and how to reach it: bucket, prefix, endpoint, credentials
// and transfer settings, from the location's `filesystem_options`, then the environment.

#include <cstdint>
#include <string>

#include "nuthatch/value.hpp"
#include "storage/gcs/gcs_auth.hpp"
#include "storage/http/client.hpp"
#include "storage/http/url.hpp"

namespace nuthatch::gcs {

inline constexpr std::string_view kDefaultEndpoint = "https://storage.googleapis.com";
/// Chunks of a resumable upload but the last are multiples of this (GCS's rule).
inline constexpr std::uint64_t kChunkGranularity = 256 * 1024;

struct GcsOptions {
  std::string bucket;
  std::string prefix;  ///< object-name prefix of the location, no leading / trailing '/'
  http::Url endpoint;  ///< scheme, host, port (and base path) of the JSON API
  Credentials credentials;
  std::uint64_t resumable_threshold = 16 * 1024 * 1024;  ///< write() above this: resumable
  std::uint64_t chunk_size = 16 * 1024 * 1024;  ///< of a resumable upload; rounded to 256 KiB
  int max_results = 1000;                        ///< page size of listings (1..1000)
  http::ClientOptions client;
};

/// Resolves the options of the location `url` ("gs://bucket[/prefix]"; "gcs://" too).
///
/// filesystem_options members: endpoint_url, token, anon, resumable_threshold,
/// chunk_size, max_results, and the transport options of http::parse_client_options.
/// `token` is "anon", the path of a JSON credentials file (service_account or
/// authorized_user), such a JSON document as an object, or else a bearer access token.
/// Fallbacks: STORAGE_EMULATOR_HOST for the endpoint; GOOGLE_APPLICATION_CREDENTIALS, then
/// gcloud's application_default_credentials.json (under CLOUDSDK_CONFIG or
/// ~/.config/gcloud). With a custom endpoint (an emulator) and no credentials, requests
/// are anonymous. Throws ConfigError (never quoting a secret) for a malformed URL or
/// option, an unreadable credentials file, or no credentials for the public endpoint.
GcsOptions resolve_gcs_options(const std::string& url, const Value& options);

}  // namespace nuthatch::gcs
