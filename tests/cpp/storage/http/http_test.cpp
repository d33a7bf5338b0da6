// The shared HTTP machinery (URLs, retries, concurrency bound, progress, messages) and the
// read-only http(s) driver, against servers on 127.0.0.1 started by the test itself.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "nuthatch/error.hpp"
#include "storage/http/client.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/http_storage.hpp"
#include "storage/http/url.hpp"
#include "storage/http/xml.hpp"
#include "support/loopback_http.hpp"

namespace nuthatch {
namespace {

using testing::Fault;
using ::testing::HasSubstr;
using testing::LoopbackHttpServer;
using ::testing::Not;

TEST(HttpUrlTest, ParsesAndEncodes) {
  const http::Url u = http::parse_url("HTTP://Example.COM:8080/a/b?x=1#frag", "endpoint_url");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.path, "/a/b");
  EXPECT_EQ(u.query, "x=1");
  EXPECT_EQ(u.authority(), "example.com:8080");
  EXPECT_EQ(http::parse_url("https://h:443", "x").authority(), "h");
  EXPECT_EQ(http::parse_url("http://[::1]:9000/", "x").authority(), "[::1]:9000");
  EXPECT_THROW(http::parse_url("ftp://h/", "endpoint_url"), ConfigError);
  EXPECT_THROW(http::parse_url("http://:80/", "endpoint_url"), ConfigError);
  EXPECT_EQ(http::uri_encode("a b/c~d+é=", true), "a%20b/c~d%2B%C3%A9%3D");
  EXPECT_EQ(http::uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(http::canonical_query({{"b", "2"}, {"a", "x y"}, {"a!", "'"}}), "a=x%20y&a%21=%27&b=2");
}

TEST(HttpUrlTest, MessagesNeverCarryCredentials) {
  EXPECT_EQ(http::url_for_message(
                "https://user:pw@host/p?X-Amz-Signature=abc&prefix=a&X-Amz-Credential=AKIA%2F1"
                "&X-Amz-Security-Token=tok&sig=s&max-keys=2"),
            "https://****@host/p?X-Amz-Signature=****&prefix=a&X-Amz-Credential=****"
            "&X-Amz-Security-Token=****&sig=****&max-keys=2");
  EXPECT_EQ(http::url_for_message("http://h/p"), "http://h/p");
  EXPECT_EQ(http::url_for_message("http://h/p?flag"), "http://h/p?flag");
}

TEST(HttpDateTest, ParsesImfFixdate) {
  EXPECT_EQ(http::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412480LL * 1'000'000'000);
  EXPECT_EQ(http::parse_http_date("yesterday"), std::nullopt);
}

TEST(XmlTest, ParsesElementsAndDropsNamespaces) {
  const auto doc = xml::parse(
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Contents><Key>a&amp;b</Key></Contents><Contents><Key>c</Key></Contents>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>",
      "test");
  EXPECT_EQ(doc->name, "ListBucketResult");
  ASSERT_EQ(doc->children_named("Contents").size(), 2u);
  EXPECT_EQ(doc->children_named("Contents")[0]->child_text("Key"), "a&b");
  EXPECT_EQ(doc->child_text("IsTruncated"), "false");
  EXPECT_EQ(doc->child_text("Missing"), "");
  EXPECT_THROW(xml::parse("<a><b></a>", "test"), StorageError);
  EXPECT_EQ(xml::escape("<&'\">"), "&lt;&amp;&apos;&quot;&gt;");
}

http::ClientOptions fast_retries(int attempts) {
  http::ClientOptions options;
  options.retry = {
      .max_attempts = attempts, .initial_backoff_seconds = 0.01, .max_backoff_seconds = 0.05};
  return options;
}

LoopbackHttpServer::Handler ok_handler(std::string body) {
  return [body = std::move(body)](const testing::RawRequest&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  };
}

TEST(HttpClientTest, RetriesTransientFaultsThenSucceeds) {
  LoopbackHttpServer server(ok_handler("hello"));
  const http::HttpClient client(fast_retries(4));
  for (const Fault fault : {Fault::status_500, Fault::status_503, Fault::drop}) {
    server.inject(fault, 3);
    const http::Response r = client.send({.url = server.endpoint() + "/x"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.attempts, 4);
  }
  EXPECT_EQ(server.faults_served(), 9);
}

TEST(HttpClientTest, TimeoutsAreRetried) {
  LoopbackHttpServer server(ok_handler("late"));
  http::ClientOptions options = fast_retries(3);
  options.timeouts.request_seconds = 0.3;
  const http::HttpClient client(options);
  server.inject(Fault::delay, 1, std::chrono::milliseconds(1200));
  const http::Response r = client.send({.url = server.endpoint() + "/x"});
  EXPECT_EQ(r.body, "late");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_TRUE(r.maybe_applied_before);
}

TEST(HttpClientTest, PersistentFaultsEndWithTheLastAnswerOrAClearError) {
  LoopbackHttpServer server(ok_handler("never"));
  const http::HttpClient client(fast_retries(3));
  server.inject(Fault::status_503, 100);
  const std::string url = server.endpoint() + "/x?X-Amz-Signature=SECRETSIG&prefix=p";
  const http::Response r = client.send({.url = url});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.attempts, 3);
  try {
    http::throw_status_error("cannot read", url, r, "SlowDown: injected");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("cannot read " + server.endpoint() + "/x?X-Amz-Signature=****&prefix=p"));
    EXPECT_THAT(e.what(),
                HasSubstr("HTTP 503 Service Unavailable: SlowDown: injected (after 3 attempts)"));
    EXPECT_THAT(e.what(), Not(HasSubstr("SECRETSIG")));
  }
  server.inject(Fault::drop, 100);
  try {
    client.send({.url = url});
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GET " + server.endpoint() + "/x?X-Amz-Signature=****"));
    EXPECT_THAT(e.what(), HasSubstr("(after 3 attempts)"));
    EXPECT_THAT(e.what(), Not(HasSubstr("SECRETSIG")));
  }
  // Nothing listens: connection refused, retried, then reported.
  const int closed_port = testing::free_loopback_port();
  EXPECT_THROW(client.send({.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/"}),
               StorageError);
}

TEST(HttpClientTest, UnansweredRequestsCanBeWordedByTheDriver) {
  const http::HttpClient client(fast_retries(3));
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  const std::string url = dead + "/b/k?partNumber=2&X-Amz-Signature=SECRETSIG";
  const http::Response r = client.try_send({.method = "PUT", .url = url});
  EXPECT_EQ(r.status, 0);
  ASSERT_TRUE(r.no_answer);
  EXPECT_EQ(r.attempts, 3);
  try {
    http::throw_request_error("cannot upload part 2 of", "s3://b/k", dead + "/b/k", r, "");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot upload part 2 of s3://b/k (PUT " + dead +
                                    "/b/k?partNumber=2&X-Amz-Signature=****): "));
    EXPECT_THAT(e.what(), HasSubstr(" (after 3 attempts)"));
    EXPECT_THAT(e.what(), Not(HasSubstr("SECRETSIG")));
  }
  // An answer keeps the message of throw_status_error, the object's URL in parentheses.
  LoopbackHttpServer server(ok_handler("never"));
  server.inject(Fault::status_503, 100);
  const http::Response answered = client.try_send({.url = server.endpoint() + "/b/k"});
  EXPECT_FALSE(answered.no_answer);
  try {
    http::throw_request_error("cannot read", "s3://b/k", server.endpoint() + "/b/k", answered,
                              "SlowDown: injected");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read s3://b/k (" + server.endpoint() +
                                    "/b/k): HTTP 503 Service Unavailable: SlowDown: injected "
                                    "(after 3 attempts)"));
  }
}

TEST(HttpClientTest, ForbiddenAndNotFoundAreNotRetried) {
  std::atomic<int> seen{0};
  LoopbackHttpServer server([&](const testing::RawRequest& r) {
    ++seen;
    const bool forbidden = r.target == "/secret";
    return std::string(forbidden ? "HTTP/1.1 403 Forbidden" : "HTTP/1.1 404 Not Found") +
           "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  });
  const http::HttpClient client(fast_retries(5));
  EXPECT_EQ(client.send({.url = server.endpoint() + "/secret"}).status, 403);
  EXPECT_EQ(client.send({.url = server.endpoint() + "/gone"}).status, 404);
  EXPECT_EQ(seen, 2);
}

TEST(HttpClientTest, ConcurrencyIsBounded) {
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  LoopbackHttpServer server([&](const testing::RawRequest&) {
    const int now = ++in_flight;
    int seen = peak;
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --in_flight;
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  http::ClientOptions options;
  options.max_concurrency = 2;
  const http::HttpClient client(options);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back(
        [&] { EXPECT_EQ(client.send({.url = server.endpoint() + "/"}).status, 200); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(peak, 2);
}

TEST(HttpClientTest, ProgressHookSeesTheBytes) {
  const std::string body(3 * 1024 * 1024, 'z');
  LoopbackHttpServer server(ok_handler(body));
  std::atomic<std::uint64_t> downloaded{0};
  http::ClientOptions options;
  options.progress = [&](const http::Progress& p) {
    downloaded = std::max<std::uint64_t>(downloaded, p.downloaded);
  };
  const http::HttpClient client(options);
  EXPECT_EQ(client.send({.url = server.endpoint() + "/"}).body.size(), body.size());
  EXPECT_EQ(downloaded, body.size());
}

TEST(HttpClientTest, ParsesTransportOptions) {
  const http::ClientOptions o = http::parse_client_options(
      Value::object({{"max_concurrency", 3}, {"max_attempts", "7"}, {"request_timeout", 2.5}}),
      "s3://b");
  EXPECT_EQ(o.max_concurrency, 3);
  EXPECT_EQ(o.retry.max_attempts, 7);
  EXPECT_DOUBLE_EQ(o.timeouts.request_seconds, 2.5);
  EXPECT_THROW(http::parse_client_options(Value::object({{"max_attempts", "many"}}), "s3://b"),
               ConfigError);
}

class HttpStorageTest : public ::testing::Test {
 protected:
  LoopbackHttpServer server_{
      testing::serve_files({{"/files/nuthatch.json", "{\"format\": 1}\n"},
                            {"/files/meta/_/k%3D1/basic.json", "0123456789"}})};
};

TEST_F(HttpStorageTest, ReadsStatsAndRanges) {
  auto storage = StorageRegistry::open(server_.endpoint() + "/files/");
  EXPECT_TRUE(storage->read_only());
  EXPECT_EQ(storage->read("nuthatch.json"), "{\"format\": 1}\n");
  EXPECT_EQ(storage->read("meta/_/k=1/basic.json"), "0123456789");
  EXPECT_EQ(storage->read("meta/_/k=1/basic.json", {.offset = 3, .length = 4}), "3456");
  EXPECT_EQ(storage->read("meta/_/k=1/basic.json", {.offset = 8}), "89");
  EXPECT_EQ(storage->read("meta/_/k=1/basic.json", {.offset = 10}), "");
  EXPECT_EQ(storage->read("meta/_/k=1/basic.json", {.offset = 0, .length = 0}), "");
  EXPECT_EQ(storage->read("missing"), std::nullopt);
  const auto info = storage->stat("meta/_/k=1/basic.json");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 10u);
  EXPECT_EQ(info->generation, "v1-10");
  EXPECT_EQ(info->mtime_ns, 1445412480LL * 1'000'000'000);
  EXPECT_EQ(storage->stat("missing"), std::nullopt);
  EXPECT_EQ(storage->url_of("nuthatch.json"), server_.endpoint() + "/files/nuthatch.json");
}

TEST_F(HttpStorageTest, WritesAreRefusedAndListingIsUnsupported) {
  auto storage = StorageRegistry::open(server_.endpoint() + "/files");
  try {
    storage->write("k", "v");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("read-only"));
    EXPECT_THAT(e.what(), HasSubstr(server_.endpoint() + "/files"));
  }
  EXPECT_THROW(storage->write_if("k", "v", WriteCondition::if_absent()), StorageError);
  EXPECT_THROW(storage->remove({"k"}), StorageError);
  EXPECT_THROW(storage->remove_prefix("k/"), StorageError);
  try {
    storage->list("meta/");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no listing"));
  }
  EXPECT_THROW(storage->read("../escape"), StorageError);
}

TEST_F(HttpStorageTest, RetriesThroughFaults) {
  auto storage = std::make_shared<HttpStorage>(
      server_.endpoint() + "/files",
      Value::object({{"max_attempts", 3}, {"retry_initial_backoff", 0.01}}));
  server_.inject(Fault::status_503, 2);
  EXPECT_EQ(storage->read("nuthatch.json"), "{\"format\": 1}\n");
  server_.inject(Fault::status_503, 5);
  try {
    storage->read("nuthatch.json");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503"));
    EXPECT_THAT(e.what(), HasSubstr("/files/nuthatch.json"));
  }
}

}  // namespace
}  // namespace nuthatch
