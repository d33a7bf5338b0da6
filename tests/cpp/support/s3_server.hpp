#pragma once
// Real S3 servers for tests (DESIGN §10), each a child process on 127.0.0.1 on a free
// port, started on first use and stopped (its whole process group killed) when the test
// program exits: MinIO (built by scripts/test_servers.sh) and moto's server (from PyPI).
//
// scripts/test.sh exports where they are: NH_TEST_MINIO (the minio binary) and
// NH_TEST_MOTO (moto_server). A test asks for a server with require_s3_server(); when the
// variable is unset (ctest run by hand) the test is skipped with a message naming the
// script; when it is set but the server does not start, the test fails.
//
// The variables are read when the program starts, before any test changes the environment
// (TempProject clears NUTHATCH_* variables; these are named NH_TEST_* so configuration
// never mistakes them for parameters).

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nuthatch/value.hpp"
#include "storage/s3/s3_client.hpp"
#include "support/loopback_http.hpp"
#include "support/server_process.hpp"

namespace nuthatch::testing {

enum class S3ServerKind { minio, moto };

inline std::optional<std::string> env_at_start(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

inline const std::optional<std::string> kMinioBinary = env_at_start("NH_TEST_MINIO");
inline const std::optional<std::string> kMotoBinary = env_at_start("NH_TEST_MOTO");

inline constexpr std::string_view kTestBucket = "nuthatch-test";
inline constexpr std::string_view kTestAccessKey = "nuthatch-test-key";
inline constexpr std::string_view kTestSecretKey = "nuthatch-test-secret-Xq7v";
inline constexpr auto kServerStartTimeout = std::chrono::seconds(60);
/// Ports tried before giving up when another server takes the free port first.
inline constexpr int kStartAttempts = 5;

inline const char* kind_name(S3ServerKind kind) {
  return kind == S3ServerKind::minio ? "minio" : "moto";
}

/// A running server process; stopped by the destructor.
class S3Server {
 public:
  S3Server(S3ServerKind kind, const std::string& binary) : kind_(kind), process_(kind_name(kind)) {
    const std::string data = process_.dir() + "/data";
    auto args = [&](int port) -> std::vector<std::string> {
      if (kind_ == S3ServerKind::moto) return {binary, "-H", "127.0.0.1", "-p", std::to_string(port)};
      return {binary, "server", data, "--quiet", "--address", "127.0.0.1:" + std::to_string(port),
              "--console-address", "127.0.0.1:" + std::to_string(free_loopback_port())};
    };
    const ServerProcess::Env env = {{"MINIO_ROOT_USER", std::string(kTestAccessKey)},
                                    {"MINIO_ROOT_PASSWORD", std::string(kTestSecretKey)},
                                    {"MINIO_BROWSER", "off"},
                                    {"MINIO_UPDATE", "off"}};
    process_.start(args, env, [this](int port) { return answers_as_ours(port); },
                   kServerStartTimeout, kStartAttempts);
    create_bucket();
  }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  S3ServerKind kind() const { return kind_; }
  int port() const { return process_.port(); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

  /// filesystem_options for a location on this server (with another endpoint, e.g. a
  /// proxy in front of it, when given).
  Value options(const std::string& endpoint_url = "") const {
    return Value::object({{"endpoint_url", endpoint_url.empty() ? endpoint() : endpoint_url},
                          {"region", "us-east-1"},
                          {"key", std::string(kTestAccessKey)},
                          {"secret", std::string(kTestSecretKey)}});
  }

  /// Kills the server at once, as a crash would (see ServerProcess::crash()); requests
  /// fail until restart(), which brings it back on the same port with the same data.
  void crash() { process_.crash(); }
  void restart() { process_.restart(kServerStartTimeout); }

  /// "s3://nuthatch-test/<prefix>".
  static std::string url(const std::string& prefix) {
    return "s3://" + std::string(kTestBucket) + "/" + prefix;
  }

 private:
  /// nullopt while nothing answers on `port`; whether the answer is this kind's server
  /// (MinIO names itself; moto answers through Werkzeug as "amazon.com").
  std::optional<bool> answers_as_ours(int port) const {
    s3::S3Options probe;
    probe.bucket = "nuthatch-health";
    probe.endpoint = http::parse_url("http://127.0.0.1:" + std::to_string(port), "endpoint");
    probe.client.retry.max_attempts = 1;
    probe.client.timeouts.connect_seconds = 1;
    probe.client.timeouts.request_seconds = 2;
    const s3::S3Client client(probe, http::default_transport());
    try {
      const std::string server = client.send({.method = "HEAD"}).header("server").value_or("");
      auto says = [&server](std::string_view name) { return server.find(name) != std::string::npos; };
      return kind_ == S3ServerKind::minio ? says("MinIO") : says("Werkzeug") || says("amazon.com");
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  void create_bucket() {
    const s3::S3Client client(s3::resolve_s3_options(url(""), options()),
                              http::default_transport());
    const http::Response response = client.send({.method = "PUT"});
    if (!response.ok()) {
      process_.fail("did not create bucket '" + std::string(kTestBucket) + "' (HTTP " +
                    std::to_string(response.status) + ": " + response.body + ")");
    }
  }

  S3ServerKind kind_;
  ServerProcess process_;
};

/// The outcome of asking for a server: the server, or why there is none.
struct S3ServerLookup {
  std::shared_ptr<S3Server> server;
  std::string skip_reason;  ///< the binary's variable is unset: skip
  std::string error;        ///< set but the server did not start: fail
};

/// The binary of `kind`'s server, or nullopt when its variable is unset.
inline const std::optional<std::string>& s3_server_binary(S3ServerKind kind) {
  return kind == S3ServerKind::minio ? kMinioBinary : kMotoBinary;
}

/// Why a test of `kind` is skipped: its variable is unset (ctest run by hand).
inline std::string s3_skip_reason(S3ServerKind kind) {
  return std::string(kind == S3ServerKind::minio ? "NH_TEST_MINIO" : "NH_TEST_MOTO") +
         " is not set: run ./scripts/test.sh, or eval \"$(./scripts/test_servers.sh "
         "--env)\" before ctest, to test against a real " +
         kind_name(kind) + " server";
}

/// The process-wide server of `kind`, started on first use. Thread-safe.
inline S3ServerLookup s3_server(S3ServerKind kind) {
  static std::mutex mutex;
  static std::shared_ptr<S3Server> servers[2];
  static std::string errors[2];
  const int index = kind == S3ServerKind::minio ? 0 : 1;
  const std::optional<std::string>& binary = s3_server_binary(kind);
  if (!binary) return {nullptr, s3_skip_reason(kind), ""};
  std::lock_guard lock(mutex);
  if (!servers[index] && errors[index].empty()) {
    try {
      servers[index] = std::make_shared<S3Server>(kind, *binary);
    } catch (const std::exception& e) {
      errors[index] = e.what();
    }
  }
  return {servers[index], "", errors[index]};
}

/// A server of `kind` of its own (not shared with other tests), for tests that crash() it;
/// stopped when the last reference goes. Like s3_server(), a skip reason when the
/// binary's variable is unset and an error when the server does not start.
inline S3ServerLookup private_s3_server(S3ServerKind kind) {
  const std::optional<std::string>& binary = s3_server_binary(kind);
  if (!binary) return {nullptr, s3_skip_reason(kind), ""};
  try {
    return {std::make_shared<S3Server>(kind, *binary), "", ""};
  } catch (const std::exception& e) {
    return {nullptr, "", e.what()};
  }
}

/// In a test body or SetUp: sets `out` to the server of `kind`, skipping the test when its
/// variable is unset and failing it when the server cannot start.
#define NH_REQUIRE_S3_SERVER(kind, out)                                          \
  do {                                                                           \
    auto nh_lookup_ = ::nuthatch::testing::s3_server(kind);                      \
    if (!nh_lookup_.skip_reason.empty()) GTEST_SKIP() << nh_lookup_.skip_reason; \
    if (!nh_lookup_.error.empty()) FAIL() << nh_lookup_.error;                   \
    (out) = nh_lookup_.server;                                                   \
  } while (0)

}  // namespace nuthatch::testing
