// Placeholder entry point; the commands are being written (see cli/).
#include <cstdio>
int main() {
  std::puts("nuthatch: commands not yet available");
  return 1;
}
