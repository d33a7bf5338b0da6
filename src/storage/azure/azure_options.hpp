#pragma once
// Where an az:// location lives and how to reach it: container, prefix, account, endpoint,
// credentials (Shared Key or a SAS token) and transfer settings, from the location's
// `filesystem_options`, then the AZURE_STORAGE_* environment variables.

#include <cstdint>
#include <string>

#include "nuthatch/value.hpp"
#include "storage/http/client.hpp"
#include "storage/http/url.hpp"

namespace nuthatch::azure {

/// Azure's largest number of blocks in one blob.
inline constexpr std::uint64_t kMaxBlocks = 50000;

struct AzureOptions {
  std::string container;
  std::string prefix;        ///< blob-name prefix of the location, no leading / trailing '/'
  std::string account_name;
  /// The blob service: "https://<account>.blob.core.windows.net", or a path-style endpoint
  /// such as Azurite's "http://127.0.0.1:10000/devstoreaccount1".
  http::Url endpoint;
  std::string account_key;   ///< base64 Shared Key; empty when not used
  std::string sas_token;     ///< query string without its '?'; empty when not used
  std::uint64_t block_threshold = 16 * 1024 * 1024;  ///< write() above this: staged blocks
  std::uint64_t block_size = 8 * 1024 * 1024;        ///< of staged blocks but the last
  int block_concurrency = 4;                          ///< blocks of one blob in flight
  int max_results = 5000;                             ///< page size of listings (1..5000)
  http::ClientOptions client;
};

/// Resolves the options of the location `url` ("az://container[/prefix]").
///
/// filesystem_options members: account_name, account_key, sas_token, connection_string,
/// endpoint_url, anon, block_threshold, block_size, block_concurrency, max_results, and
/// the transport options of http::parse_client_options. When the options carry no
/// credential (account_key, sas_token, connection_string or anon), they come from
/// AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN;
/// the account from account_name, else the connection string, else AZURE_STORAGE_ACCOUNT.
/// A connection string may be "UseDevelopmentStorage=true" (Azurite's defaults). Throws
/// ConfigError (never quoting a secret) for a malformed URL or option, a key that is not
/// base64, or no credentials when anon is not true.
AzureOptions resolve_azure_options(const std::string& url, const Value& options);

}  // namespace nuthatch::azure
