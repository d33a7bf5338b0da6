// Writes one key over and over (overwrite mode) until killed or `count` writes are done.
// Usage: nh_crash_writer ROOT COUNT SEED
#include <cstdlib>
#include <iostream>

#include "crash_value.hpp"
#include "nuthatch/nuthatch.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: nh_crash_writer ROOT COUNT SEED\n";
    return 2;
  }
  namespace nh = nuthatch;
  nh::set_parameter("filesystem", argv[1]);
  long count = std::atol(argv[2]);
  std::int64_t seed = std::atoll(argv[3]);
  std::int64_t current = seed;
  auto f = nh::cache("crash_key", {}, {}, [&] {
    // Alternate inline-sized and payload-file-sized values.
    return nh::testing::make_crash_value(current, current % 3 == 0 ? 50 : 3000 + current % 7000);
  });
  for (long i = 0; count < 0 || i < count; ++i) {
    current = seed + i;
    f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})();
  }
  return 0;
}
