#pragma once
// The GCS and Azure emulators for tests (DESIGN §10), each a child process on 127.0.0.1 on
// a free port, started on first use and stopped (its whole process group killed) when the
// test program exits: fake-gcs-server (in-memory backend) and Azurite's blob service.
//
// scripts/test_servers_gcs_azure.sh installs them and prints where they are:
// NH_TEST_FAKE_GCS (the fake-gcs-server binary) and NH_TEST_AZURITE (azurite-blob). A
// test asks for a server with NH_REQUIRE_EMULATOR(); when the variable is unset the test
// is skipped with a message naming the script; when it is set but the server does not
// start, the test fails. The variables are read when the program starts, before any test
// changes the environment.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nuthatch/storage.hpp"
#include "nuthatch/value.hpp"
#include "storage/azure/azure_client.hpp"
#include "storage/http/client.hpp"
#include "support/loopback_http.hpp"
#include "support/server_process.hpp"

namespace nuthatch::testing {

enum class EmulatorKind { fake_gcs, azurite };

inline std::optional<std::string> emulator_env_at_start(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

inline const std::optional<std::string> kFakeGcsBinary = emulator_env_at_start("NH_TEST_FAKE_GCS");
inline const std::optional<std::string> kAzuriteBinary = emulator_env_at_start("NH_TEST_AZURITE");

inline constexpr std::string_view kEmulatorBucket = "nuthatch-test";
/// Azurite's well-known development account (public; documented by Microsoft).
inline constexpr std::string_view kAzuriteAccount = "devstoreaccount1";
inline constexpr std::string_view kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// A bearer token the GCS tests send (fake-gcs-server accepts any).
inline constexpr std::string_view kFakeGcsToken = "ya29.nuthatch-test-token-Kq3z";
inline constexpr auto kEmulatorStartTimeout = std::chrono::seconds(60);
/// Ports tried before giving up when another server takes the free port first.
inline constexpr int kEmulatorStartAttempts = 5;

inline const char* emulator_name(EmulatorKind kind) {
  return kind == EmulatorKind::fake_gcs ? "fake-gcs-server" : "azurite";
}

/// A running emulator; stopped by the destructor.
class EmulatorServer {
 public:
  EmulatorServer(EmulatorKind kind, const std::string& binary)
      : kind_(kind), process_(emulator_name(kind)) {
    const std::string data = process_.dir() + "/data";
    auto args = [&](int port) -> std::vector<std::string> {
      if (kind_ == EmulatorKind::fake_gcs) {
        return {binary, "-scheme", "http", "-host", "127.0.0.1", "-port", std::to_string(port),
                "-backend", "memory", "-log-level", "warn"};
      }
      return {binary, "--blobHost", "127.0.0.1", "--blobPort", std::to_string(port),
              "--location", data, "--skipApiVersionCheck", "--loose", "--silent"};
    };
    process_.start(args, {}, [this](int port) { return answers_as_ours(port); },
                   kEmulatorStartTimeout, kEmulatorStartAttempts);
    create_bucket();
  }
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  EmulatorKind kind() const { return kind_; }
  int port() const { return process_.port(); }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port()); }
  /// The endpoint_url of the service (Azurite's is path-style: it names the account).
  std::string endpoint() const { return endpoint_at(origin()); }
  /// The endpoint_url of the service reached through another origin (a proxy in front of
  /// it, e.g. "http://127.0.0.1:<proxy port>").
  std::string endpoint_at(const std::string& at) const {
    return kind_ == EmulatorKind::fake_gcs ? at : at + "/" + std::string(kAzuriteAccount);
  }

  /// filesystem_options for a location on this server (another endpoint, e.g. a proxy in
  /// front of it, when given).
  Value options(const std::string& endpoint_url = "") const {
    const std::string endpoint_value = endpoint_url.empty() ? endpoint() : endpoint_url;
    if (kind_ == EmulatorKind::fake_gcs) {
      return Value::object({{"endpoint_url", endpoint_value}, {"token", std::string(kFakeGcsToken)}});
    }
    return Value::object({{"endpoint_url", endpoint_value},
                          {"account_name", std::string(kAzuriteAccount)},
                          {"account_key", std::string(kAzuriteKey)}});
  }

  /// "gs://nuthatch-test/<prefix>" or "az://nuthatch-test/<prefix>".
  std::string url(const std::string& prefix) const {
    return std::string(kind_ == EmulatorKind::fake_gcs ? "gs://" : "az://") +
           std::string(kEmulatorBucket) + "/" + prefix;
  }

 private:
  /// nullopt while nothing answers on `port`; whether the answer is this emulator's
  /// (Azurite names itself; fake-gcs-server answers the JSON API's bucket listing).
  std::optional<bool> answers_as_ours(int port) const {
    http::ClientOptions probe;
    probe.retry.max_attempts = 1;
    probe.timeouts.connect_seconds = 1;
    probe.timeouts.request_seconds = 2;
    const http::HttpClient client(probe);
    const std::string at = "http://127.0.0.1:" + std::to_string(port);
    try {
      if (kind_ == EmulatorKind::azurite) {
        const http::Response r = client.send({.method = "GET", .url = at + "/"});
        return r.header("server").value_or("").starts_with("Azurite");
      }
      const http::Response r = client.send({.method = "GET", .url = at + "/storage/v1/b"});
      return r.ok() && r.body.find("storage#buckets") != std::string::npos;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  void create_bucket() {
    http::Response response;
    if (kind_ == EmulatorKind::fake_gcs) {
      const std::string body = "{\"name\":\"" + std::string(kEmulatorBucket) + "\"}";
      const http::HttpClient client(http::ClientOptions{});
      response = client.send({.method = "POST",
                              .url = origin() + "/storage/v1/b?project=nuthatch-test",
                              .headers = {{"Content-Type", "application/json"}},
                              .body = body});
    } else {
      const azure::AzureClient client(
          azure::resolve_azure_options(url(""), options()), http::default_transport());
      response = client.send({.method = "PUT", .query = {{"restype", "container"}}});
    }
    if (!response.ok()) {
      process_.fail("did not create bucket '" + std::string(kEmulatorBucket) + "' (HTTP " +
                    std::to_string(response.status) + ": " + response.body + ")");
    }
  }

  EmulatorKind kind_;
  ServerProcess process_;
};

/// The outcome of asking for an emulator: the server, or why there is none.
struct EmulatorLookup {
  std::shared_ptr<EmulatorServer> server;
  std::string skip_reason;  ///< the binary's variable is unset: skip
  std::string error;        ///< set but the server did not start: fail
};

/// The process-wide emulator of `kind`, started on first use. Thread-safe.
inline EmulatorLookup emulator(EmulatorKind kind) {
  static std::mutex mutex;
  static std::shared_ptr<EmulatorServer> servers[2];
  static std::string errors[2];
  const int index = kind == EmulatorKind::fake_gcs ? 0 : 1;
  const std::optional<std::string>& binary = index == 0 ? kFakeGcsBinary : kAzuriteBinary;
  if (!binary) {
    return {nullptr,
            std::string(index == 0 ? "NH_TEST_FAKE_GCS" : "NH_TEST_AZURITE") +
                " is not set: eval \"$(./scripts/test_servers_gcs_azure.sh --env)\" before "
                "ctest to test against " + emulator_name(kind),
            ""};
  }
  std::lock_guard lock(mutex);
  if (!servers[index] && errors[index].empty()) {
    try {
      servers[index] = std::make_shared<EmulatorServer>(kind, *binary);
    } catch (const std::exception& e) {
      errors[index] = e.what();
    }
  }
  return {servers[index], "", errors[index]};
}

/// A fresh location (a prefix no other test uses) on the emulator of `kind`, with the
/// server that keeps it alive; or the skip reason / error of emulator().
struct EmulatorLocation {
  StoragePtr storage;
  std::shared_ptr<EmulatorServer> server;
  std::string skip_reason;
  std::string error;
};

inline EmulatorLocation emulator_location(EmulatorKind kind, const std::string& what,
                                          Value extra_options = Value::object()) {
  EmulatorLookup lookup = emulator(kind);
  if (!lookup.server) return {nullptr, nullptr, lookup.skip_reason, lookup.error};
  static std::atomic<int> counter{0};
  const std::string prefix = what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  Value options = lookup.server->options();
  if (extra_options.is_object()) {
    for (const auto& [name, value] : extra_options.members()) options[name] = value;
  }
  return {StorageRegistry::open(lookup.server->url(prefix), options), lookup.server, "", ""};
}

/// In a test body or SetUp: sets `out` to the emulator of `kind`, skipping the test when
/// its variable is unset and failing it when the server cannot start.
#define NH_REQUIRE_EMULATOR(kind, out)                                              \
  do {                                                                              \
    auto nh_lookup_ = ::nuthatch::testing::emulator(kind);                          \
    if (!nh_lookup_.skip_reason.empty()) GTEST_SKIP() << nh_lookup_.skip_reason;    \
    if (!nh_lookup_.error.empty()) FAIL() << nh_lookup_.error;                      \
    (out) = nh_lookup_.server;                                                      \
  } while (0)

}  // namespace nuthatch::testing
