#pragma once
// Digests for request signing and integrity headers (OpenSSL): SHA-256, HMAC-SHA256, MD5.

#include <string>
#include <string_view>

namespace nuthatch::http {

/// The raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);
/// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// The raw 16-byte MD5 of `data` (Content-MD5, S3 ETags; not for security).
std::string md5(std::string_view data);
/// Lower-case hex of raw bytes.
std::string hex(std::string_view bytes);

}  // namespace nuthatch::http
