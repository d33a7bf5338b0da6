// nh_zarr_copy SRC DST [--zarr-format 2|3] [--compressor zstd|blosc|gzip|none]
//              [--no-consolidated] [--time]
// Reads the Zarr store at SRC into an nh::Dataset and writes it to DST, applying the
// compressor to every variable. Used by the Python interop tests: exit 0 on success,
// 1 with the error message on stderr. With --time (bench/python/zarr_bench.py), prints
// one JSON line on stdout: {"read_s": ..., "write_s": ..., "bytes": ...}, the wall-clock
// seconds of the full read and of the full write, and the bytes of the variables.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;

namespace {

struct Arguments {
  std::string src;
  std::string dst;
  nh::zarr::WriteOptions options;
  std::string compressor;  // empty: the default
  bool time = false;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw nh::ConfigError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--zarr-format") {
      std::string v = next();
      if (v != "2" && v != "3") throw nh::ConfigError("--zarr-format must be 2 or 3");
      a.options.zarr_format = std::stoi(v);
    } else if (arg == "--compressor") {
      a.compressor = next();
      if (a.compressor != "zstd" && a.compressor != "blosc" && a.compressor != "gzip" &&
          a.compressor != "none") {
        throw nh::ConfigError("--compressor must be zstd, blosc, gzip or none");
      }
    } else if (arg == "--no-consolidated") {
      a.options.consolidated = false;
    } else if (arg == "--time") {
      a.time = true;
    } else if (arg.rfind("--", 0) == 0) {
      throw nh::ConfigError("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    throw nh::ConfigError(
        "usage: nh_zarr_copy SRC DST [--zarr-format 2|3] "
        "[--compressor zstd|blosc|gzip|none] [--no-consolidated] [--time]");
  }
  a.src = positional[0];
  a.dst = positional[1];
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Arguments args = parse(argc, argv);
    const auto read_start = std::chrono::steady_clock::now();
    nh::Dataset ds = nh::zarr::read(args.src);
    const double read_s = seconds_since(read_start);
    if (!args.compressor.empty()) {
      for (auto& [name, var] : ds.variables) var.encoding["compressor"] = args.compressor;
    }
    const auto write_start = std::chrono::steady_clock::now();
    nh::zarr::write(ds, args.dst, args.options);
    const double write_s = seconds_since(write_start);
    if (args.time) {
      std::uint64_t bytes = 0;
      for (const auto& [name, var] : ds.variables) bytes += var.data.nbytes();
      std::cout << "{\"read_s\": " << read_s << ", \"write_s\": " << write_s
                << ", \"bytes\": " << bytes << "}\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nh_zarr_copy: " << e.what() << "\n";
    return 1;
  }
}
