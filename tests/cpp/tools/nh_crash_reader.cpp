// Reads one key (read_only mode) until STOP_FILE exists; every read must give a complete
// value or a miss. Prints "reads=N hits=H misses=M" and exits 1 on bad data or an error.
// Usage: nh_crash_reader ROOT STOP_FILE
#include <filesystem>
#include <iostream>

#include "crash_value.hpp"
#include "nuthatch/nuthatch.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: nh_crash_reader ROOT STOP_FILE\n";
    return 2;
  }
  namespace nh = nuthatch;
  setenv("NUTHATCH_LOG_LEVEL", "error", 1);
  nh::set_parameter("filesystem", argv[1]);
  bool missed = false;
  auto f = nh::cache("crash_key", {}, {}, [&] {
    missed = true;
    return std::vector<std::int64_t>{};
  });
  long reads = 0, hits = 0, misses = 0;
  while (!std::filesystem::exists(argv[2]) || reads == 0) {
    missed = false;
    std::vector<std::int64_t> v;
    try {
      v = f.with({.cache_mode = nh::CacheMode::read_only})();
    } catch (const std::exception& e) {
      std::cerr << "read failed: " << e.what() << "\n";
      return 1;
    }
    ++reads;
    if (missed) {
      ++misses;
    } else if (!nh::testing::crash_value_ok(v)) {
      std::cerr << "torn value after " << reads << " reads\n";
      return 1;
    } else {
      ++hits;
    }
  }
  std::cout << "reads=" << reads << " hits=" << hits << " misses=" << misses << "\n";
  return 0;
}
