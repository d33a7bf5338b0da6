// Cache hits with the root on S3: a MinIO server on 127.0.0.1, started as the tests start
// it (tests/cpp/support/s3_server.hpp; needs NH_TEST_MINIO, which
// `eval "$(./scripts/test_servers.sh --env)"` sets). Run:
//   build/release/bench/nuthatch_bench --benchmark_filter=S3
// Reports the latency of one hit and, as the counter requests_per_hit, the HTTP requests a
// hit sends (issue 4's target: 1 for a value inlined in its manifest, 2 for a larger one,
// the manifest and the payload). The hits are timed on the driver's own pooled
// connections; the requests are counted afterwards by sending hits through the counting
// proxy of tests/cpp/support/loopback_http.hpp (one connection per request, too slow to
// time through).

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"
#include "support/loopback_http.hpp"
#include "support/s3_server.hpp"

namespace nh = nuthatch;

namespace {

/// Hits sent through the counting proxy after timing.
constexpr int kCountedHits = 20;

/// A fresh root "s3://nuthatch-test/bench-<pid>-<n>" on the shared MinIO server, emptied
/// afterwards. `error()` is non-empty when there is no server (then nothing else is valid).
class S3BenchRoot {
 public:
  S3BenchRoot() {
    auto lookup = nh::testing::s3_server(nh::testing::S3ServerKind::minio);
    error_ = !lookup.skip_reason.empty() ? lookup.skip_reason : lookup.error;
    if (!error_.empty()) return;
    server_ = lookup.server;
    static std::atomic<int> counter{0};
    url_ = nh::testing::S3Server::url("bench-" + std::to_string(::getpid()) + "-" +
                                      std::to_string(++counter));
    nh::reset_config();
    nh::set_parameter("filesystem", url_);
    use_endpoint(server_->endpoint());
    nh::clear_memoizer();
  }
  ~S3BenchRoot() {
    if (server_) nh::StorageRegistry::open(url_, server_->options())->remove_prefix("");
  }
  S3BenchRoot(const S3BenchRoot&) = delete;
  S3BenchRoot& operator=(const S3BenchRoot&) = delete;

  const std::string& error() const { return error_; }

  /// HTTP requests per call of `call`, averaged over kCountedHits calls sent through a
  /// counting proxy in front of the server; the root then talks to the server directly
  /// again. The first call through the proxy is not counted (it opens the location).
  template <class F>
  double requests_per_call(F&& call) {
    nh::testing::LoopbackHttpServer proxy(nh::testing::forward_to(server_->port()));
    use_endpoint(proxy.endpoint());
    call();
    const int before = proxy.requests();
    for (int i = 0; i < kCountedHits; ++i) call();
    const int sent = proxy.requests() - before;
    use_endpoint(server_->endpoint());
    return static_cast<double>(sent) / kCountedHits;
  }

 private:
  void use_endpoint(const std::string& endpoint) {
    nh::set_parameter("filesystem_options", server_->options(endpoint), {.secret = true});
  }

  std::shared_ptr<nh::testing::S3Server> server_;
  std::string url_;
  std::string error_;
};

/// A hit on a cached std::vector<double> of state.range(0) bytes: 128 is inlined in the
/// manifest (at most kInlineMaxBytes), 64 KiB is a payload object beside it.
void BM_S3CacheHit(benchmark::State& state) {
  S3BenchRoot root;
  if (!root.error().empty()) {
    state.SkipWithError(root.error().c_str());
    return;
  }
  const int n = static_cast<int>(state.range(0) / sizeof(double));
  auto f = nh::cache("s3_hit", {"n"}, {.cache_args = {"n"}},
                     [](int n) { return std::vector<double>(n, 1.5); });
  f(n);  // miss: computes and commits
  for (auto _ : state) {
    const std::vector<double> hit = f(n);
    if (hit.size() != static_cast<std::size_t>(n)) state.SkipWithError("wrong value");
    benchmark::DoNotOptimize(hit.data());
  }
  state.counters["requests_per_hit"] = root.requests_per_call([&] { f(n); });
}
BENCHMARK(BM_S3CacheHit)->ArgName("bytes")->Arg(128)->Arg(64 << 10)
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
