// Zarr codec throughput: write and read of a 256 MiB float32 dataset (3 variables,
// time x lat x lon, chunks 16 x 256 x 341, zstd level 3: the layout of
// bench/python/zarr_bench.py at a quarter of its size), on a local directory (fsync on, as
// by default, and off) and in memory (the codec alone), plus a selection read that cuts
// chunks on two axes. Run:
//   build/release/bench/nuthatch_bench --benchmark_filter=Zarr
// Wall-clock time (the codec is parallel); bytes/s counts the decoded array bytes.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "codecs/zarr/group.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kLat = 256;
constexpr std::int64_t kLon = 341;
constexpr std::int64_t kTimeChunk = 16;
constexpr std::int64_t kTargetBytes = std::int64_t{256} << 20;
constexpr int kVariables = 3;
constexpr double kPi = 3.14159265358979323846;

/// Smooth fields plus a little noise, so the data compresses like gridded data does.
const nh::Dataset& dataset() {
  static const nh::Dataset ds = [] {
    const std::int64_t n_time = kTargetBytes / (kVariables * kLat * kLon * 4);
    nh::Dataset out;
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (int v = 0; v < kVariables; ++v) {
      std::vector<float> values(static_cast<std::size_t>(n_time * kLat * kLon));
      std::size_t k = 0;
      for (std::int64_t t = 0; t < n_time; ++t) {
        const double scale = 10 + v + std::sin(static_cast<double>(t) / 30);
        for (std::int64_t y = 0; y < kLat; ++y) {
          const double lat = std::cos((-90.0 + 180.0 * y / (kLat - 1)) * kPi / 180);
          for (std::int64_t x = 0; x < kLon; ++x) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            const double noise = (static_cast<double>(state >> 40) / (1 << 24) - 0.5) * 0.1;
            values[k++] = static_cast<float>(
                lat * std::sin(360.0 * x / kLon * kPi / 180) * scale + noise);
          }
        }
      }
      nh::Variable var;
      var.dims = {"time", "lat", "lon"};
      var.data = nh::NDArray::from_vector(std::move(values), {n_time, kLat, kLon});
      var.encoding = nh::Value::object({{"chunks", nh::Value::array({kTimeChunk, kLat, kLon})},
                                        {"compressor", "zstd"},
                                        {"level", 3}});
      out.variables["var" + std::to_string(v)] = std::move(var);
    }
    return out;
  }();
  return ds;
}

std::int64_t dataset_bytes() {
  std::int64_t n = 0;
  for (const auto& [name, var] : dataset().variables) {
    n += static_cast<std::int64_t>(var.data.nbytes());
  }
  return n;
}

/// A fresh directory, removed afterwards.
class BenchDir {
 public:
  BenchDir() {
    char tmpl[] = "/tmp/nuthatch-zarr-bench-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~BenchDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& leaf) const { return (dir_ / leaf).string(); }

 private:
  fs::path dir_;
};

std::string memory_url(const char* tag) {
  return std::string("memory://zarr-bench-") + tag + "-" + std::to_string(::getpid());
}

nh::StoragePtr open_file(const std::string& path, bool fsync) {
  return nh::StorageRegistry::open(path, nh::Value::object({{"fsync", fsync}}));
}

void write(nh::Storage& storage) {
  nh::zarr::write_group(dataset(), storage, "", nh::zarr::WriteOptions{});
}

// A whole dataset written to a local directory. "fsync" 1: every chunk fsynced as it is
// written (the file driver's default); 0: none; 2: none while writing, then one
// make_durable pass over the tree (how a payload a library wrote is made durable). On the
// bench machine 2 costs what 1 does (385-403 ms against 382-440 ms; 222-245 ms without
// fsync): the time is the device writing the compressed bytes back, not the per-chunk
// journal commits, so chunks stay fsynced one by one, beside the encoding.
void BM_ZarrWriteFile(benchmark::State& state) {
  dataset();  // built outside the timed loop
  BenchDir dir;
  int run = 0;
  for (auto _ : state) {
    const std::string name = std::to_string(run++);
    nh::StoragePtr storage = open_file(dir.path(name), state.range(0) == 1);
    write(*storage);
    if (state.range(0) == 2) open_file(dir.path(""), true)->make_durable(name);
    state.PauseTiming();
    std::error_code ec;
    fs::remove_all(dir.path(name), ec);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * dataset_bytes());
}
BENCHMARK(BM_ZarrWriteFile)->ArgName("fsync")->Arg(1)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ZarrReadFile(benchmark::State& state) {
  BenchDir dir;
  write(*open_file(dir.path("store"), false));
  for (auto _ : state) benchmark::DoNotOptimize(nh::zarr::read(dir.path("store")));
  state.SetBytesProcessed(state.iterations() * dataset_bytes());
}
BENCHMARK(BM_ZarrReadFile)->Unit(benchmark::kMillisecond)->UseRealTime();

/// time [40, 200) and lat [64, 192): 10 partial or whole chunks per variable, each cut on
/// the lat axis, so every chunk goes through the gather path.
void BM_ZarrReadSelectionFile(benchmark::State& state) {
  BenchDir dir;
  write(*open_file(dir.path("store"), false));
  const nh::Selection selection{{{"time", 40, 200}, {"lat", 64, 192}}};
  std::int64_t bytes = 0;
  for (auto _ : state) {
    nh::Dataset got = nh::zarr::read(dir.path("store"), selection);
    bytes = 0;
    for (const auto& [name, var] : got.variables) {
      bytes += static_cast<std::int64_t>(var.data.nbytes());
    }
    benchmark::DoNotOptimize(got);
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_ZarrReadSelectionFile)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ZarrWriteMemory(benchmark::State& state) {
  const std::string url = memory_url("write");
  for (auto _ : state) write(*nh::StorageRegistry::open(url));
  nh::StorageRegistry::open(url)->remove_prefix("");
  state.SetBytesProcessed(state.iterations() * dataset_bytes());
}
BENCHMARK(BM_ZarrWriteMemory)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ZarrReadMemory(benchmark::State& state) {
  const std::string url = memory_url("read");
  write(*nh::StorageRegistry::open(url));
  for (auto _ : state) benchmark::DoNotOptimize(nh::zarr::read(url));
  nh::StorageRegistry::open(url)->remove_prefix("");
  state.SetBytesProcessed(state.iterations() * dataset_bytes());
}
BENCHMARK(BM_ZarrReadMemory)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
