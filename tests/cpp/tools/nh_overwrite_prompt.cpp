// Recomputes an existing entry without force_overwrite, so the engine asks on the
// terminal. Prints the stored value afterwards. Usage: nh_overwrite_prompt ROOT
#include <cstdio>

#include "nuthatch/nuthatch.hpp"

int main(int argc, char** argv) {
  namespace nh = nuthatch;
  if (argc != 2) return 2;
  nh::set_parameter("filesystem", argv[1]);
  int next = 1;
  auto f = nh::cache("prompted", {}, {}, [&] { return next++; });
  f();                                   // stores 1
  f.with({.recompute = true})();         // computes 2: asks whether to overwrite
  next = 100;
  std::printf("\nstored=%d\n", f());     // 2 if the answer was yes, else 1
  return 0;
}
