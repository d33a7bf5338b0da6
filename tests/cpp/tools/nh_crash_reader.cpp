// Reads one key (read_only mode) until STOP_FILE exists; every read must give a complete
// value or a miss, and never a value older than one read before (writes are sequential and
// their stamps grow). Prints "reads=N hits=H misses=M stamps=S" (S: distinct values read)
// and exits 1 on bad data or an error.
// Usage: nh_crash_reader ROOT STOP_FILE [basic|zarr|zarr-race]  (the writer's kinds)
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "crash_value.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;

namespace {

// One read: the stamp read, std::nullopt for a miss; throws std::runtime_error on bad data.
using ReadOnce = std::function<std::optional<std::int64_t>()>;

ReadOnce basic_reader() {
  auto missed = std::make_shared<bool>(false);
  auto f = nh::cache("crash_key", {}, {}, [missed] {
    *missed = true;
    return std::vector<std::int64_t>{};
  });
  return [f, missed]() -> std::optional<std::int64_t> {
    *missed = false;
    std::vector<std::int64_t> v = f.with({.cache_mode = nh::CacheMode::read_only})();
    if (*missed) return std::nullopt;
    if (!nh::testing::crash_value_ok(v)) throw std::runtime_error("torn value");
    return v[1];
  };
}

ReadOnce dataset_reader(const std::string& name, nh::testing::CrashDatasetShape shape) {
  auto missed = std::make_shared<bool>(false);
  auto f = nh::cache(name, {}, {}, [missed] {
    *missed = true;
    return nh::Dataset{};
  });
  return [f, missed, shape]() -> std::optional<std::int64_t> {
    *missed = false;
    nh::Dataset d = f.with({.cache_mode = nh::CacheMode::read_only})();
    if (*missed) return std::nullopt;
    nh::testing::CrashDatasetCheck check = nh::testing::check_crash_dataset(d, shape);
    if (!check.problem.empty()) throw std::runtime_error("mixed or torn dataset: " + check.problem);
    return check.stamp;
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: nh_crash_reader ROOT STOP_FILE [basic|zarr|zarr-race]\n";
    return 2;
  }
  setenv("NUTHATCH_LOG_LEVEL", "error", 1);
  nh::set_parameter("filesystem", argv[1]);
  const std::string kind = argc == 4 ? argv[3] : "basic";
  ReadOnce read_once;
  if (kind == "basic") {
    read_once = basic_reader();
  } else if (kind == "zarr") {
    read_once = dataset_reader("crash_zarr", nh::testing::kCrashDataset);
  } else if (kind == "zarr-race") {
    read_once = dataset_reader("crash_race", nh::testing::kRaceDataset);
  } else {
    std::cerr << "nh_crash_reader: unknown kind '" << kind << "'\n";
    return 2;
  }
  long reads = 0, hits = 0, misses = 0;
  std::set<std::int64_t> stamps;
  while (!std::filesystem::exists(argv[2]) || reads == 0) {
    std::optional<std::int64_t> stamp;
    try {
      stamp = read_once();
    } catch (const std::exception& e) {
      std::cerr << "read " << reads + 1 << " failed: " << e.what() << "\n";
      return 1;
    }
    ++reads;
    if (!stamp) {
      ++misses;
      continue;
    }
    if (!stamps.empty() && *stamp < *stamps.rbegin()) {
      std::cerr << "read " << reads << " went back in time: stamp " << *stamp << " after "
                << *stamps.rbegin() << "\n";
      return 1;
    }
    stamps.insert(*stamp);
    ++hits;
  }
  std::cout << "reads=" << reads << " hits=" << hits << " misses=" << misses
            << " stamps=" << stamps.size() << "\n";
  return 0;
}
