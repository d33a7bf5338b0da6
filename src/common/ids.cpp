#include "common/ids.hpp"

#include <chrono>
#include <random>

#include <unistd.h>

namespace nuthatch {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int crockford_value(char c) {
  for (int i = 0; i < 32; ++i) {
    if (kCrockford[i] == c) return i;
  }
  return -1;
}
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr int kHexDigitsPerWord = 16;

// One generator per thread, with the process id it was seeded in.
struct RandomSource {
  pid_t pid = 0;
  std::mt19937_64 engine;
};

}  // namespace

std::uint64_t random_u64() {
  thread_local RandomSource source;
  const pid_t pid = ::getpid();
  if (source.pid != pid) {
    // First use in this thread, or a forked child that inherited the parent's state.
    std::random_device device;
    const std::uint64_t seed =
        (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        static_cast<std::uint64_t>(pid);
    source.engine.seed(seed);
    source.pid = pid;
  }
  return source.engine();
}

std::string random_hex() {
  std::uint64_t value = random_u64();
  std::string out(kHexDigitsPerWord, '0');
  for (char& digit : out) {
    digit = kHexDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

std::string new_entry_id() {
  auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::string id(kEntryIdLength, '0');
  // 48 bits of time -> 10 characters (50 bits, top 2 zero).
  for (int i = 9; i >= 0; --i) {
    id[i] = kCrockford[ms & 31];
    ms >>= 5;
  }
  // 80 random bits -> 16 characters.
  std::uint64_t hi = random_u64(), lo = random_u64();
  for (int i = 0; i < 16; ++i) {
    std::uint64_t& src = i < 8 ? hi : lo;
    id[10 + i] = kCrockford[src & 31];
    src >>= 5;
  }
  return id;
}

std::int64_t entry_id_millis(const std::string& id) {
  if (id.size() != kEntryIdLength) return 0;
  std::int64_t ms = 0;
  for (int i = 0; i < 10; ++i) {
    int v = crockford_value(id[i]);
    if (v < 0) return 0;
    ms = (ms << 5) | v;
  }
  return ms;
}

bool is_entry_id(std::string_view id) {
  if (id.size() != kEntryIdLength) return false;
  for (char c : id) {
    if (crockford_value(c) < 0) return false;
  }
  return true;
}

}  // namespace nuthatch
