// Writes one key over and over (overwrite mode) until killed or `count` writes are done.
// Usage: nh_crash_writer ROOT COUNT SEED [basic|zarr|zarr-race]
//   basic (default): key crash_key, a self-checking vector (inline or a payload file);
//   zarr: key crash_zarr, a multi-chunk dataset (crash_value.hpp kCrashDataset);
//   zarr-race: key crash_race, the race test's dataset (kRaceDataset).
// Write i holds the stamp SEED + i. Exit status: 0, or 3 when a write failed.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "crash_value.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;

namespace {

// A write that fails (say, `gc` with no grace removed the payload being written) is
// reported and the writer goes on; the exit status is then 3.
template <class F>
int write_repeatedly(F& f, long count, std::int64_t seed, std::int64_t& current) {
  int status = 0;
  for (long i = 0; count < 0 || i < count; ++i) {
    current = seed + i;
    try {
      f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})();
    } catch (const std::exception& e) {
      std::cerr << "nh_crash_writer: write " << i << " failed: " << e.what() << "\n";
      status = 3;
    }
  }
  return status;
}

int write_dataset(const std::string& name, const nh::testing::CrashDatasetShape& shape, long count,
                  std::int64_t seed) {
  std::int64_t current = seed;
  auto f = nh::cache(name, {}, {}, [&] { return nh::testing::make_crash_dataset(current, shape); });
  return write_repeatedly(f, count, seed, current);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: nh_crash_writer ROOT COUNT SEED [basic|zarr|zarr-race]\n";
    return 2;
  }
  nh::set_parameter("filesystem", argv[1]);
  long count = std::atol(argv[2]);
  std::int64_t seed = std::atoll(argv[3]);
  const std::string kind = argc == 5 ? argv[4] : "basic";
  if (kind == "zarr") return write_dataset("crash_zarr", nh::testing::kCrashDataset, count, seed);
  if (kind == "zarr-race") {
    return write_dataset("crash_race", nh::testing::kRaceDataset, count, seed);
  }
  if (kind != "basic") {
    std::cerr << "nh_crash_writer: unknown kind '" << kind << "'\n";
    return 2;
  }
  std::int64_t current = seed;
  auto f = nh::cache("crash_key", {}, {}, [&] {
    // Alternate inline-sized and payload-file-sized values.
    return nh::testing::make_crash_value(current, current % 3 == 0 ? 50 : 3000 + current % 7000);
  });
  return write_repeatedly(f, count, seed, current);
}
