#include "config/runtime_settings.hpp"

#include <array>
#include <chrono>
#include <string_view>
#include <utility>

#include "config/params.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::config {
namespace {

std::optional<std::size_t> byte_count(const char* name) {
  std::optional<Value> v = get_parameter(name);
  if (!v || !v->is_number()) return std::nullopt;
  return static_cast<std::size_t>(v->as<double>());
}

// A size parameter: an integer, or a text such as "2GB" (checked when it was set).
std::optional<std::size_t> size_parameter(const char* name) {
  std::optional<Value> v = get_parameter(name);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    std::optional<std::uint64_t> bytes = parse_byte_size(v->as<std::string>());
    if (!bytes) return std::nullopt;
    return static_cast<std::size_t>(*bytes);
  }
  return byte_count(name);
}

constexpr std::array<std::pair<std::string_view, log::Level>, 6> kLevels = {{
    {"trace", log::Level::trace},
    {"debug", log::Level::debug},
    {"info", log::Level::info},
    {"warn", log::Level::warn},
    {"error", log::Level::error},
    {"off", log::Level::off},
}};

}  // namespace

std::optional<log::Level> log_level_named(std::string_view name) {
  for (const auto& [level_name, level] : kLevels) {
    if (level_name == name) return level;
  }
  return std::nullopt;
}

std::string log_level_names() {
  std::string out;
  for (const auto& [level_name, level] : kLevels) {
    if (!out.empty()) out += ", ";
    out += level_name;
  }
  return out;
}

RuntimeSettings runtime_settings() {
  RuntimeSettings s;
  if (std::optional<Value> v = get_parameter("log_level"); v && v->is_string()) {
    s.log_level = log_level_named(v->as<std::string>()).value_or(log::Level::warn);
  }
  s.memoize_max_bytes = size_parameter("local_cache_size")
                            .value_or(byte_count("memoize_max_bytes").value_or(0));
  if (std::optional<std::size_t> remote = size_parameter("remote_cache_size")) {
    s.memoize_remote_bytes = *remote;
  }
  const std::optional<std::size_t> pool_bytes = byte_count("buffer_pool_bytes");
  const std::optional<std::size_t> pool_idle_ms = byte_count("buffer_pool_idle_ms");
  if (pool_bytes || pool_idle_ms) {
    BufferPoolOptions pool = buffer_pool_options();
    if (pool_bytes) pool.max_idle_bytes = *pool_bytes;
    if (pool_idle_ms) pool.idle_timeout = std::chrono::milliseconds(*pool_idle_ms);
    s.buffer_pool = pool;
  }
  return s;
}

}  // namespace nuthatch::config
