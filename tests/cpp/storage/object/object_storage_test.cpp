// The object-store core (storage/object/object_storage.hpp) and the header helpers it
// shares with the http driver, against a scripted transport: the behaviours a real
// server rarely shows (a Range ignored, a malformed size) but the core must handle.

#include "storage/object/object_storage.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nuthatch/error.hpp"
#include "storage/http/headers.hpp"
#include "storage/s3/s3_storage.hpp"

namespace nuthatch {
namespace {

// Answers every request with `answer(request)` and records what was asked.
class ScriptedTransport final : public http::Transport {
 public:
  explicit ScriptedTransport(std::function<http::Response(const http::Request&)> answer)
      : answer_(std::move(answer)) {}

  http::Response perform(const http::Request& request, const http::Timeouts&) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request.method + " " + request.url);
    return answer_(request);
  }

  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::function<http::Response(const http::Request&)> answer_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

http::Response answer(long status, std::string body, http::Headers headers = {}) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

std::shared_ptr<S3Storage> s3_over(std::shared_ptr<ScriptedTransport> transport) {
  return std::make_shared<S3Storage>(
      "s3://bucket/root/",
      Value::object({{"anon", true}, {"endpoint_url", "http://127.0.0.1:9"}, {"max_attempts", 1}}),
      std::move(transport));
}

TEST(ObjectStorageTest, TheUrlLosesItsTrailingSlash) {
  auto store = s3_over(std::make_shared<ScriptedTransport>(
      [](const http::Request&) { return answer(500, ""); }));
  EXPECT_EQ(store->url(), "s3://bucket/root");
}

TEST(ObjectStorageTest, ARangeIgnoredByTheServerIsCutFromTheWholeBody) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const http::Request&) { return answer(200, "0123456789"); });
  auto store = s3_over(transport);
  EXPECT_EQ(store->read("a/b", {.offset = 2, .length = 3}), "234");
  EXPECT_EQ(store->read("a/b", {.offset = 8}), "89");
  EXPECT_EQ(store->read("a/b", {.offset = 20, .length = 1}), "");
  ASSERT_FALSE(transport->requests().empty());
  EXPECT_NE(transport->requests().front().find("/bucket/root/a/b"), std::string::npos)
      << transport->requests().front();
}

TEST(ObjectStorageTest, PastTheEndIsNoBytesAndAMissingObjectIsNullopt) {
  auto store = s3_over(std::make_shared<ScriptedTransport>([](const http::Request& request) {
    if (request.url.find("/missing") != std::string::npos) return answer(404, "");
    return answer(416, "");
  }));
  EXPECT_EQ(store->read("there", {.offset = 100}), "");
  EXPECT_EQ(store->read("missing"), std::nullopt);
}

TEST(ObjectStorageTest, AMalformedListedSizeIsAnErrorNamingTheObject) {
  auto store = s3_over(std::make_shared<ScriptedTransport>([](const http::Request&) {
    return answer(200,
                  "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>"
                  "<Key>root/x</Key><Size>12abc</Size><ETag>\"e\"</ETag>"
                  "</Contents></ListBucketResult>");
  }));
  try {
    store->list("");
    FAIL() << "no exception";
  } catch (const StorageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("root/x"), std::string::npos) << message;
    EXPECT_NE(message.find("'12abc' is not an unsigned decimal number"), std::string::npos)
        << message;
  }
}

TEST(ObjectStorageTest, RemoveSendsEachNameOnce) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const http::Request&) { return answer(200, "<DeleteResult/>"); });
  auto store = s3_over(transport);
  store->remove({"a", "b", "a"});
  ASSERT_EQ(transport->requests().size(), 1u);  // one DeleteObjects batch
  store->remove({});
  EXPECT_EQ(transport->requests().size(), 1u);  // nothing to remove, nothing sent
}

TEST(PartLayoutTest, PartsCoverTheDataAndRespectTheLimits) {
  const PartLayout wanted = PartLayout::of(25, 10, 1, 100);
  EXPECT_EQ(wanted.size, 10u);
  EXPECT_EQ(wanted.count, 3u);
  const std::string data = "abcdefghijklmnopqrstuvwxy";
  EXPECT_EQ(wanted.part(data, 0), "abcdefghij");
  EXPECT_EQ(wanted.part(data, 2), "uvwxy");
  // The smallest part size wins over a smaller wish; the part count bound grows parts.
  EXPECT_EQ(PartLayout::of(25, 2, 5, 100).size, 5u);
  const PartLayout bounded = PartLayout::of(1000, 1, 1, 10);
  EXPECT_EQ(bounded.size, 100u);
  EXPECT_EQ(bounded.count, 10u);
}

TEST(HttpHeadersTest, UnquoteRangeAndConditions) {
  EXPECT_EQ(http::unquote("\"abc\""), "abc");
  EXPECT_EQ(http::unquote("W/\"abc\""), "abc");
  EXPECT_EQ(http::unquote("abc"), "abc");
  EXPECT_EQ(http::unquote("\""), "\"");
  EXPECT_EQ(http::range_header({.offset = 5}), "bytes=5-");
  EXPECT_EQ(http::range_header({.offset = 5, .length = 10}), "bytes=5-14");
  EXPECT_FALSE(http::is_ranged({}));
  EXPECT_TRUE(http::is_ranged({.offset = 0, .length = 3}));
  EXPECT_TRUE(http::condition_headers(WriteCondition::none()).empty());
  EXPECT_EQ(http::condition_headers(WriteCondition::if_absent()),
            (http::Headers{{"If-None-Match", "*"}}));
  EXPECT_EQ(http::condition_headers(WriteCondition::if_generation("g1")),
            (http::Headers{{"If-Match", "\"g1\""}}));
}

}  // namespace
}  // namespace nuthatch
