// The `parquet` backend: a table as a folder of parquet files, one per partition
// (`part.0.parquet`, `part.1.parquet`, ...), the layout dask and pandas read as one
// dataset. The files are encoded elsewhere (by pyarrow, in the Python layer); the
// stored value is an nh::Value array holding each partition's bytes, in order.
//  - write: each partition to `<path>part.<i>.parquet`; the bytes written are the sum;
//  - read: the `part.<i>.parquet` files under the path, by i (other files, such as a
//    writer's `_metadata`, are ignored). A folder without partitions is corrupt.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kPartPrefix = "part.";
constexpr std::string_view kPartSuffix = ".parquet";

/// The partition number of a file name `part.<i>.parquet`, or nullopt.
std::optional<std::size_t> part_number(std::string_view name) {
  if (name.size() <= kPartPrefix.size() + kPartSuffix.size() || !name.starts_with(kPartPrefix) ||
      !name.ends_with(kPartSuffix)) {
    return std::nullopt;
  }
  std::string_view digits =
      name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - kPartSuffix.size());
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

class ParquetCodec final : public Codec {
 public:
  std::string_view name() const override { return "parquet"; }
  std::string_view extension() const override { return ".parquet"; }
  const std::type_info& stored_type() const override { return typeid(Value); }
  bool single_file() const override { return false; }

  std::uint64_t write_tree(const Boxed& value, Storage& storage, const std::string& path,
                           const Value& kwargs) const override {
    const Value* parts = value.get<Value>();
    if (parts == nullptr || !parts->is_array() ||
        !std::all_of(parts->array_items().begin(), parts->array_items().end(),
                     [](const Value& p) { return p.is_bytes(); })) {
      throw CodecError("backend parquet stores an array of partitions (bytes)");
    }
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      const Bytes& b = (*parts)[i].bytes_ref();
      storage.write(fmt::format("{}{}{}{}", path, kPartPrefix, i, kPartSuffix), b.view());
      total += b.size();
    }
    return total;
  }

  Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs) const override {
    std::vector<std::pair<std::size_t, std::string>> files;
    for (const ObjectInfo& info : storage.list(path)) {
      std::string_view name = info.path;
      if (!name.starts_with(path)) continue;
      name.remove_prefix(path.size());
      if (auto n = part_number(name)) files.emplace_back(*n, info.path);  // no '/' in a name
    }
    if (files.empty()) throw CodecError("parquet payload " + path + " holds no partitions");
    std::sort(files.begin(), files.end());
    Value::Array parts;
    parts.reserve(files.size());
    for (const auto& [n, file] : files) {
      std::optional<std::string> bytes = storage.read(file);
      if (!bytes) throw CodecError("parquet partition " + file + " vanished while read");
      parts.emplace_back(Bytes(std::move(*bytes)));
    }
    return Boxed::make(Value(std::move(parts)));
  }
};

const CodecRegistrar kParquet(std::make_shared<ParquetCodec>());

}  // namespace
}  // namespace nuthatch
