#include <nuthatch/nuthatch.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  namespace nh = nuthatch;
  if (argc > 1) nh::set_parameter("filesystem", argv[1]);
  int calls = 0;
  auto f = nh::cache("consumer", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return x + 1;
  });
  int a = f(41), b = f(41);
  std::printf("%d %d computed=%d\n", a, b, calls);
  return a == 42 && b == 42 && calls == 1 ? 0 : 1;
}
