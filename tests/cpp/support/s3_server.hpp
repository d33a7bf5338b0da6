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

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nuthatch/value.hpp"
#include "storage/s3/s3_client.hpp"
#include "support/loopback_http.hpp"

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
  S3Server(S3ServerKind kind, const std::string& binary) : kind_(kind) {
    char dir_template[] = "/tmp/nuthatch-s3-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    // A free port can be taken by another test program's server before ours binds it
    // (ctest runs programs in parallel): then ours exits, or someone else answers. Start
    // again on another port.
    for (int attempt = 1;; ++attempt) {
      port_ = free_loopback_port();
      start(binary);
      if (wait_until_answering()) break;
      kill_process();
      if (attempt == kStartAttempts) fail("found its port taken " + std::to_string(attempt) + " times");
    }
    create_bucket();
  }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;
  ~S3Server() { stop(); }

  S3ServerKind kind() const { return kind_; }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// filesystem_options for a location on this server (with another endpoint, e.g. a
  /// proxy in front of it, when given).
  Value options(const std::string& endpoint_url = "") const {
    return Value::object({{"endpoint_url", endpoint_url.empty() ? endpoint() : endpoint_url},
                          {"region", "us-east-1"},
                          {"key", std::string(kTestAccessKey)},
                          {"secret", std::string(kTestSecretKey)}});
  }

  /// "s3://nuthatch-test/<prefix>".
  static std::string url(const std::string& prefix) {
    return "s3://" + std::string(kTestBucket) + "/" + prefix;
  }

 private:
  void start(const std::string& binary) {
    const std::string log = dir_ + "/server.log";
    std::vector<std::string> args;
    if (kind_ == S3ServerKind::minio) {
      args = {binary,
              "server",
              dir_ + "/data",
              "--quiet",
              "--address",
              "127.0.0.1:" + std::to_string(port_),
              "--console-address",
              "127.0.0.1:" + std::to_string(free_loopback_port())};
    } else {
      args = {binary, "-H", "127.0.0.1", "-p", std::to_string(port_)};
    }
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);                     // its own process group: stop() kills it all
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // and it dies with the test program
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("MINIO_ROOT_USER", std::string(kTestAccessKey).c_str(), 1);
      ::setenv("MINIO_ROOT_PASSWORD", std::string(kTestSecretKey).c_str(), 1);
      ::setenv("MINIO_BROWSER", "off", 1);
      ::setenv("MINIO_UPDATE", "off", 1);
      ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }

  std::string log_tail() const {
    std::ifstream in(dir_ + "/server.log");
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  [[noreturn]] void fail(const std::string& why) {
    const std::string tail = log_tail();
    stop();
    throw std::runtime_error(std::string(kind_name(kind_)) + " test server on port " +
                             std::to_string(port_) + " " + why + "; its log:\n" + tail);
  }

  /// Whether our server answers on port_ (false: it exited, or another server answers).
  bool wait_until_answering() {
    const auto deadline = std::chrono::steady_clock::now() + kServerStartTimeout;
    s3::S3Options probe;
    probe.bucket = "nuthatch-health";
    probe.endpoint = http::parse_url(endpoint(), "endpoint");
    probe.client.retry.max_attempts = 1;
    probe.client.timeouts.connect_seconds = 1;
    probe.client.timeouts.request_seconds = 2;
    const s3::S3Client client(probe, http::default_transport());
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // most likely the port was taken; the caller tries another
      }
      try {
        const http::Response r = client.send({.method = "HEAD"});
        // Ours, not another program's server that got the port first.
        const std::string server = r.header("server").value_or("");
        auto says = [&server](std::string_view name) { return server.find(name) != std::string::npos; };
        return kind_ == S3ServerKind::minio ? says("MinIO") : says("Werkzeug") || says("amazon.com");
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    fail("did not answer within " + std::to_string(kServerStartTimeout.count()) + " s");
  }

  void create_bucket() {
    const s3::S3Client client(s3::resolve_s3_options(url(""), options()),
                              http::default_transport());
    const http::Response response = client.send({.method = "PUT"});
    if (!response.ok()) {
      fail("did not create bucket '" + std::string(kTestBucket) + "' (HTTP " +
           std::to_string(response.status) + ": " + response.body + ")");
    }
  }

  void stop() {
    kill_process();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  void kill_process() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
  }

  S3ServerKind kind_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// The outcome of asking for a server: the server, or why there is none.
struct S3ServerLookup {
  std::shared_ptr<S3Server> server;
  std::string skip_reason;  ///< the binary's variable is unset: skip
  std::string error;        ///< set but the server did not start: fail
};

/// The process-wide server of `kind`, started on first use. Thread-safe.
inline S3ServerLookup s3_server(S3ServerKind kind) {
  static std::mutex mutex;
  static std::shared_ptr<S3Server> servers[2];
  static std::string errors[2];
  const int index = kind == S3ServerKind::minio ? 0 : 1;
  const std::optional<std::string>& binary =
      kind == S3ServerKind::minio ? kMinioBinary : kMotoBinary;
  if (!binary) {
    return {nullptr,
            std::string(kind == S3ServerKind::minio ? "NH_TEST_MINIO" : "NH_TEST_MOTO") +
                " is not set: run ./scripts/test.sh, or eval \"$(./scripts/test_servers.sh "
                "--env)\" before ctest, to test against a real " +
                kind_name(kind) + " server",
            ""};
  }
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
