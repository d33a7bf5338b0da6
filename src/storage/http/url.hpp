#pragma once
// URL pieces for the HTTP drivers: parsing, RFC 3986 percent-encoding, and the form of a
// URL that may appear in a message (no user-info, no signature or token in the query).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nuthatch::http {

/// "scheme://host[:port]/path?query", split. `path` keeps its leading '/' ("/" when empty).
struct Url {
  std::string scheme;  ///< lower-cased
  std::string host;    ///< lower-cased; IPv6 literals keep their brackets
  std::string port;    ///< as written; empty when absent
  std::string path = "/";
  std::string query;  ///< after '?', without it

  /// "host" or "host:port" as the Host header carries it (the port only when written and
  /// not the scheme's default).
  std::string authority() const;
  /// "scheme://authority".
  std::string origin() const { return scheme + "://" + authority(); }
};

/// Parses an absolute http(s) URL. Throws ConfigError naming `what` (e.g. "endpoint_url")
/// when it is not one.
Url parse_url(std::string_view text, std::string_view what);

/// Percent-encodes every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~),
/// and '/' too when `keep_slash`. Upper-case hex, as SigV4 requires.
std::string uri_encode(std::string_view text, bool keep_slash);

/// `pairs` as "k1=v1&k2=v2", each part uri_encode()d, sorted by key then value: the
/// canonical query string of SigV4, also usable as the query of the request URL.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> pairs);

/// `url` fit for a message or a log line: user-info becomes "****", and the value of any
/// query parameter that looks like a credential (X-Amz-Signature, X-Amz-Credential,
/// X-Amz-Security-Token, sig, key, ...) becomes "****".
std::string url_for_message(std::string_view url);

}  // namespace nuthatch::http
