// Engine latencies on a local root. Run: build/release/bench/nuthatch_bench
//   --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Targets (issue 2): hit <= 20 us, memoizer hit <= 1 us, miss + commit overhead beyond
// encoding <= 1 ms; listing 100,000 entries. Issue 3: chunks a 1-month timeseries recall
// of a 10-year daily record reads, partial vs whole. Issue 16: a hit on an entry with 3
// inputs (their staleness checked) <= 2x a plain hit.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "location/staleness.hpp"
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

// Issue 16: a hit on an entry that read `inputs` other entries while computing checks
// that none was recomputed, deleted or is stale (location/staleness.hpp). Target: with 3
// inputs at most 2x a plain hit (Arg 0), answers reused per process. "between" 1 forgets
// them before every hit: the cost of a check that reads each input's manifest.
void BM_CacheHitWithInputs(benchmark::State& state) {
  BenchRoot root;
  const int inputs = static_cast<int>(state.range(0));
  // 0: answers about inputs reused; 1: forgotten before each hit (the first hit in a
  // process); 2: a commit of an unrelated entry between hits (untimed), which keeps them.
  const int64_t between = state.range(1);
  auto input = nh::cache("input", {"i"}, {.cache_args = {"i"}}, [](int i) { return i; });
  auto other = nh::cache("other", {"i"}, {.cache_args = {"i"}}, [](int i) { return i; });
  int others = 0;
  auto reader = nh::cache("reader", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    int sum = x;
    for (int i = 0; i < inputs; ++i) sum += input(i);
    return sum;
  });
  reader(1);
  for (auto _ : state) {
    if (between == 1) nh::staleness::forget_answers();
    if (between == 2) {
      state.PauseTiming();
      other(others++);
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(reader(1));
  }
}
BENCHMARK(BM_CacheHitWithInputs)
    ->ArgNames({"inputs", "between"})
    ->Args({0, 0})
    ->Args({3, 0})
    ->Args({3, 1})
    ->Args({3, 2});

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

// Busy for `us` microseconds: a computation.
void compute_for(std::int64_t us) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < until) {
  }
}

// A small value computed and committed: "new_key" 0 overwrites one key, 1 commits a new
// key each time (a new key folder too), as a run of misses does. "compute_us" is the time
// the function computes before each commit; subtract it to get the commit's cost (the
// directory fsyncs of one commit overlap the next computation).
void BM_MissAndCommit(benchmark::State& state) {
  BenchRoot root(state.range(0) != 0);
  const std::int64_t us = state.range(2);
  if (state.range(1) != 0) {
    auto f = nh::cache("miss", {"x"}, {.cache_args = {"x"}}, [us](int x) {
      compute_for(us);
      return x;
    });
    int x = 0;
    for (auto _ : state) benchmark::DoNotOptimize(f(++x));
    return;
  }
  auto f = nh::cache("miss", {}, {}, [] { return small_value(); });
  auto overwrite = f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true});
  for (auto _ : state) benchmark::DoNotOptimize(overwrite());
}
BENCHMARK(BM_MissAndCommit)
    ->ArgNames({"fsync", "new_key", "compute_us"})
    ->Args({1, 0, 0})
    ->Args({1, 1, 0})
    ->Args({1, 1, 1000})
    ->Args({0, 0, 0})
    ->Args({0, 1, 0});

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

// --- partial recall: a 1-month slice of a 10-year daily record --------------------------

std::atomic<std::int64_t> g_chunk_reads{0};

/// Forwards to the file driver and counts chunk reads (v3 keys `<array>/c/...`).
class CountedStorage final : public nh::Storage {
 public:
  explicit CountedStorage(nh::StoragePtr inner) : inner_(std::move(inner)) {}
  std::string url() const override { return "counted://" + inner_->url(); }
  std::optional<std::string> read(std::string_view path, nh::ByteRange range) override {
    if (path.find("/c/") != std::string_view::npos) ++g_chunk_reads;
    return inner_->read(path, range);
  }
  std::optional<nh::ObjectInfo> stat(std::string_view path) override { return inner_->stat(path); }
  void write(std::string_view path, std::string_view data) override { inner_->write(path, data); }
  bool write_if(std::string_view path, std::string_view data,
                const nh::WriteCondition& condition) override {
    return inner_->write_if(path, data, condition);
  }
  std::vector<nh::ObjectInfo> list(std::string_view prefix) override { return inner_->list(prefix); }
  void remove(const std::vector<std::string>& paths) override { inner_->remove(paths); }

 private:
  nh::StoragePtr inner_;
};

const nh::StorageRegistrar kCounted("counted", [](const std::string& url, const nh::Value& options) {
  return std::make_shared<CountedStorage>(nh::StorageRegistry::open(url.substr(10), options));
});

/// Timeseries, but asks for the whole entry: what a recall costs without partial reads.
class WholeTimeseries final : public nh::Processor {
 public:
  std::string name() const override { return "timeseries (whole)"; }
  bool validate(const nh::Boxed& r, const nh::Arguments& a) const override {
    return inner_->validate(r, a);
  }
  nh::Boxed post_process(nh::Boxed r, const nh::Arguments& a) const override {
    return inner_->post_process(std::move(r), a);
  }

 private:
  std::shared_ptr<const nh::Processor> inner_ = nh::timeseries("time");
};

/// 2000-01-01 .. 2009-12-31 daily, 3 float32 variables of 32 x 32, chunks of 30 days.
nh::Dataset ten_year_record() {
  constexpr std::int64_t kDays = 3653, kLat = 32, kLon = 32;
  constexpr std::int64_t kDayNs = 86'400'000'000'000, k2000 = 946684800LL * 1'000'000'000;
  std::vector<std::int64_t> t(kDays);
  for (std::int64_t d = 0; d < kDays; ++d) t[d] = k2000 + d * kDayNs;
  nh::Dataset ds;
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes(t, {kDays})};
  ds.coords = {"time"};
  for (const char* name : {"t2m", "u10", "v10"}) {
    std::vector<float> v(kDays * kLat * kLon);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 977) * 0.25f;
    nh::Variable var{{"time", "lat", "lon"}, nh::NDArray::from_vector(std::move(v), {kDays, kLat, kLon})};
    var.encoding = nh::Value::object({{"chunks", nh::Value::array({30, kLat, kLon})}});
    ds.variables[name] = std::move(var);
  }
  return ds;
}

/// Recall of June 2005 from the record; arg 1: partial (timeseries), 0: whole entry.
/// Counters: chunks read per recall, and the chunks the record has.
void BM_TimeseriesMonthOfTenYears(benchmark::State& state) {
  BenchRoot root(false);
  nh::set_parameter("filesystem", "counted://" + root.dir().string());
  const bool partial = state.range(0) == 1;
  nh::ProcessorPtr proc = partial ? nh::timeseries("time") : std::make_shared<WholeTimeseries>();
  auto record = nh::cache("record", {"start_time", "end_time"}, {.processors = {proc}},
                          [](nh::Value, nh::Value) { return ten_year_record(); });
  record(nh::Value(nullptr), nh::Value(nullptr));  // computes and stores the record
  g_chunk_reads = 0;
  std::int64_t recalls = 0;
  for (auto _ : state) {
    nh::Dataset june = record(nh::Value("2005-06-01"), nh::Value("2005-06-30"));
    if (june.variables.at("time").data.size() != 30) state.SkipWithError("wrong slice");
    ++recalls;
  }
  state.counters["chunks_read"] = static_cast<double>(g_chunk_reads.load()) / recalls;
  state.counters["chunks_total"] = 3 * 122 + 1;
}
BENCHMARK(BM_TimeseriesMonthOfTenYears)->ArgName("partial")->Arg(1)->Arg(0)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
