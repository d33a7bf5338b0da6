// Engine latencies on a local root. Run: build/release/bench/nuthatch_bench
//   --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Targets (issue 2): hit <= 20 us, memoizer hit <= 1 us, miss + commit overhead beyond
// encoding <= 1 ms; listing 100,000 entries.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

/// A fresh root directory for one benchmark, removed afterwards.
class BenchRoot {
 public:
  explicit BenchRoot(bool fsync = true) {
    char tmpl[] = "/tmp/nuthatch-bench-XXXXXX";
    dir_ = mkdtemp(tmpl);
    nh::reset_config();
    nh::set_parameter("filesystem", dir_.string());
    nh::set_parameter("filesystem_options", nh::Value::object({{"fsync", fsync}}));
    nh::clear_memoizer();
  }
  ~BenchRoot() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

void BM_CacheHitSmallValue(benchmark::State& state) {
  BenchRoot root;
  auto f = nh::cache("hit", {"x"}, {.cache_args = {"x"}}, [](int x) { return x * 2; });
  f(1);
  for (auto _ : state) benchmark::DoNotOptimize(f(1));
}
BENCHMARK(BM_CacheHitSmallValue);

void BM_MemoizerHit(benchmark::State& state) {
  BenchRoot root;
  auto f = nh::cache("memo", {"x"}, {.cache_args = {"x"}, .memoize = true},
                     [](int x) { return x * 2; });
  f(1);
  for (auto _ : state) benchmark::DoNotOptimize(f(1));
}
BENCHMARK(BM_MemoizerHit);

nh::Value small_value() {
  return nh::Value::object({{"mean", 281.5}, {"n", 365}, {"station", "KSEA"}});
}

void BM_MissAndCommit(benchmark::State& state) {
  BenchRoot root(state.range(0) != 0);
  auto f = nh::cache("miss", {}, {}, [] { return small_value(); });
  auto overwrite = f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true});
  for (auto _ : state) benchmark::DoNotOptimize(overwrite());
}
BENCHMARK(BM_MissAndCommit)->ArgName("fsync")->Arg(1)->Arg(0);

void BM_EncodeOnly(benchmark::State& state) {
  const nh::Codec& basic = nh::CodecRegistry::get("basic");
  for (auto _ : state) {
    benchmark::DoNotOptimize(basic.encode(nh::Boxed::make(small_value()), nh::Value::object()));
  }
}
BENCHMARK(BM_EncodeOnly);

void BM_ListEntries(benchmark::State& state) {
  BenchRoot root(false);
  nh::EntryStore store(nh::StorageRegistry::open(root.dir().string(),
                                                 nh::Value::object({{"fsync", false}})),
                       "root");
  const nh::Codec& basic = nh::CodecRegistry::get("basic");
  for (int64_t i = 0; i < state.range(0); ++i) {
    nh::Manifest m;
    m.name = "f";
    m.key = fmt::format("f/x={}", i);
    m.backend = "basic";
    store.commit(m, nh::Boxed::make(nh::Value(i)), &basic, nh::Value::object(), std::nullopt,
                 false);
  }
  for (auto _ : state) {
    auto entries = store.list();
    if (static_cast<int64_t>(entries.size()) != state.range(0)) state.SkipWithError("count");
    benchmark::DoNotOptimize(entries);
  }
}
BENCHMARK(BM_ListEntries)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
