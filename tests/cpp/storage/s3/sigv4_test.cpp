// SigV4 against the worked examples of AWS's "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk" (bucket examplebucket, 24 May 2013).

#include "storage/s3/sigv4.hpp"

#include <gtest/gtest.h>

#include "storage/http/digest.hpp"
#include "storage/http/url.hpp"

namespace nuthatch::s3 {
namespace {

constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";
constexpr std::string_view kDate = "20130524T000000Z";
const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4Test, GetObjectExample) {
  const http::Headers headers = {{"Host", std::string(kHost)},
                                 {"Range", "bytes=0-9"},
                                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                                 {"x-amz-date", std::string(kDate)}};
  const SigningRequest r{.method = "GET",
                         .canonical_uri = "/test.txt",
                         .canonical_query = "",
                         .headers = &headers,
                         .payload_hash = kEmptyPayloadHash,
                         .amz_date = kDate,
                         .region = "us-east-1"};
  EXPECT_EQ(
      canonical_request(r),
      "GET\n"
      "/test.txt\n"
      "\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(r),
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature(r, kExample.secret_key),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(authorization(r, kExample),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, PutObjectExample) {
  const std::string payload_hash = http::hex(http::sha256("Welcome to Amazon S3."));
  EXPECT_EQ(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const http::Headers headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                 {"Host", std::string(kHost)},
                                 {"x-amz-date", std::string(kDate)},
                                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                 {"x-amz-content-sha256", payload_hash}};
  // The key "test$file.text" with its '$' encoded, as the example shows.
  const std::string uri = "/" + http::uri_encode("test$file.text", true);
  EXPECT_EQ(uri, "/test%24file.text");
  const SigningRequest r{.method = "PUT",
                         .canonical_uri = uri,
                         .canonical_query = "",
                         .headers = &headers,
                         .payload_hash = payload_hash,
                         .amz_date = kDate,
                         .region = "us-east-1"};
  EXPECT_EQ(signed_headers(headers),
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(signature(r, kExample.secret_key),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

SigningRequest bucket_get(const http::Headers& headers, std::string_view query) {
  return {.method = "GET",
          .canonical_uri = "/",
          .canonical_query = query,
          .headers = &headers,
          .payload_hash = kEmptyPayloadHash,
          .amz_date = kDate,
          .region = "us-east-1"};
}

TEST(SigV4Test, GetBucketLifecycleExample) {
  const http::Headers headers = {{"Host", std::string(kHost)},
                                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                                 {"x-amz-date", std::string(kDate)}};
  const std::string query = http::canonical_query({{"lifecycle", ""}});
  EXPECT_EQ(query, "lifecycle=");
  EXPECT_EQ(signature(bucket_get(headers, query), kExample.secret_key),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, ListObjectsExampleSortsTheQuery) {
  const http::Headers headers = {{"Host", std::string(kHost)},
                                 {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                                 {"x-amz-date", std::string(kDate)}};
  const std::string query = http::canonical_query({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(query, "max-keys=2&prefix=J");
  EXPECT_EQ(signature(bucket_get(headers, query), kExample.secret_key),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, CanonicalHeadersTrimAndCollapseSpaces) {
  const http::Headers headers = {{"X-Amz-Meta-Note", "  a   b  "}, {"host", "h"}};
  const SigningRequest r = bucket_get(headers, "");
  EXPECT_NE(canonical_request(r).find("host:h\nx-amz-meta-note:a b\n"), std::string::npos);
}

TEST(SigV4Test, AmzDateIsUtc) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))),
            "20130524T000000Z");
}

}  // namespace
}  // namespace nuthatch::s3
