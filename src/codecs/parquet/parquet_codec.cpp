// The `parquet` backend: a table as a folder of parquet files, one per partition
// (`part.0.parquet`, `part.1.parquet`, ...), the layout dask and pandas read as one
// dataset. The files are encoded elsewhere (by pyarrow, in the Python layer); the
// stored value is an nh::Value array holding each partition's bytes, in order.
//  - write: each partition to `<path>part.<i>.parquet`, then, last, the count as an empty
//    object `<path>_partitions.<n>`; the bytes written are the partitions' sum. An array
//    of no partitions is refused: it has no schema, and an empty table is one partition
//    of zero rows;
//  - read: the count from the listing, then `part.0.parquet` to `part.<n-1>.parquet` by
//    their derived names: a missing one is an error naming it, and so is a part beyond
//    the count. Payloads written before the count was recorded read the listed parts,
//    which must run from 0 without a gap (a missing last part goes unseen there). Other
//    files, such as a writer's `_metadata`, are ignored. A folder without partitions is
//    corrupt.
// The count lives in the name of an empty `_`-prefixed object so that the folder stays
// one dataset for other readers: pyarrow, pandas, dask and Spark skip names starting with
// '_', polars skips empty files, and a `*.parquet` glob (DuckDB) does not match it. Being
// in the listing, it costs the reader no extra request.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
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
constexpr std::string_view kCountPrefix = "_partitions.";

std::string part_name(std::size_t i) {
  return fmt::format("{}{}{}", kPartPrefix, i, kPartSuffix);
}

/// The number in `digits`, written as the writer writes it (no sign, no leading zero),
/// or nullopt.
std::optional<std::size_t> canonical_number(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

/// The partition number of a file name `part.<i>.parquet`, or nullopt.
std::optional<std::size_t> part_number(std::string_view name) {
  if (name.size() <= kPartPrefix.size() + kPartSuffix.size() || !name.starts_with(kPartPrefix) ||
      !name.ends_with(kPartSuffix)) {
    return std::nullopt;
  }
  return canonical_number(
      name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - kPartSuffix.size()));
}

/// What the listing of a payload shows: the parts by number, and the recorded count.
struct Listing {
  std::vector<std::size_t> parts;
  std::optional<std::size_t> count;
};

Listing list_payload(Storage& storage, const std::string& path) {
  Listing out;
  for (const ObjectInfo& info : storage.list(path)) {
    std::string_view name = info.path;
    if (!name.starts_with(path)) continue;
    name.remove_prefix(path.size());
    if (auto n = part_number(name)) {  // no '/' in a name
      out.parts.push_back(*n);
    } else if (name.starts_with(kCountPrefix)) {
      std::optional<std::size_t> count = canonical_number(name.substr(kCountPrefix.size()));
      if (!count || out.count) {
        throw CodecError(fmt::format("parquet payload {} has a bad partition count: {}{}", path,
                                     out.count ? "a second one, " : "", info.path));
      }
      out.count = count;
    }
  }
  std::sort(out.parts.begin(), out.parts.end());
  return out;
}

class ParquetCodec final : public Codec {
 public:
  std::string_view name() const override { return "parquet"; }
  std::string_view extension() const override { return ".parquet"; }
  const std::type_info& stored_type() const override { return typeid(Value); }
  bool single_file() const override { return false; }
  std::string partition_name(std::size_t index) const override { return part_name(index); }
  std::string partitions_written_name(std::size_t count) const override {
    return fmt::format("{}{}", kCountPrefix, count);
  }

  std::uint64_t write_tree(const Boxed& value, Storage& storage, const std::string& path,
                           const Value& kwargs) const override {
    const Value* parts = value.get<Value>();
    if (parts == nullptr || !parts->is_array() ||
        !std::all_of(parts->array_items().begin(), parts->array_items().end(),
                     [](const Value& p) { return p.is_bytes(); })) {
      throw CodecError("backend parquet stores an array of partitions (bytes)");
    }
    if (parts->size() == 0) {
      throw CodecError(
          "backend parquet stores at least one partition: an array of none has no schema "
          "(an empty table is one partition of zero rows)");
    }
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      const Bytes& b = (*parts)[i].bytes_ref();
      storage.write(path + part_name(i), b.view());
      total += b.size();
    }
    storage.write(fmt::format("{}{}{}", path, kCountPrefix, parts->size()), "");
    return total;
  }

  Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs) const override {
    const Listing listing = list_payload(storage, path);
    if (listing.parts.empty() && !listing.count) {
      throw CodecError("parquet payload " + path + " holds no partitions");
    }
    // Without a recorded count (an older payload), the parts listed must run from 0 up.
    const std::size_t count = listing.count ? *listing.count : listing.parts.back() + 1;
    if (count == 0) throw CodecError("parquet payload " + path + " records no partitions");
    if (!listing.parts.empty() && listing.parts.back() >= count) {
      throw CodecError(fmt::format("parquet payload {} holds {}{} beyond the {} partitions it "
                                   "records",
                                   path, path, part_name(listing.parts.back()), count));
    }
    Value::Array parts;
    parts.reserve(listing.parts.size());  // not `count`: it was read from storage
    for (std::size_t i = 0; i < count; ++i) {
      const std::string file = path + part_name(i);
      std::optional<std::string> bytes = storage.read(file);
      if (!bytes) {
        throw CodecError(
            listing.count
                ? fmt::format("parquet partition {} is missing: the payload records {} partitions",
                              file, count)
                : fmt::format("parquet partition {} is missing: the payload holds {}{}", file,
                              path, part_name(count - 1)));
      }
      parts.emplace_back(Bytes(std::move(*bytes)));
    }
    return Boxed::make(Value(std::move(parts)));
  }
};

const CodecRegistrar kParquet(std::make_shared<ParquetCodec>());

}  // namespace
}  // namespace nuthatch
