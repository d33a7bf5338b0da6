// The `parquet` and `arrow` backends: a table as a folder of files, one per partition
// (`part.0.parquet`, `part.1.parquet`, ... for parquet; `part.0.arrow`, ... for Arrow IPC
// files, which a reader memory-maps and uses without decoding), the layout dask, pandas
// and polars read as one dataset. Below, `.parquet` stands for either format's suffix and
// both share every rule. The files are encoded elsewhere (by pyarrow, in the Python layer); the
// stored value is an nh::Value array holding each partition, in order: its bytes, or,
// for a table partitioned by column values (Hive style, the original Nuthatch's
// `cache_partition`), an object {"dir": "<col>=<value>[/<col>=<value>...]", "data":
// bytes} whose file goes to `<dir>/part.<i>.parquet` (the values are in the folder
// names, not in the file, as pyarrow and dask write and read them).
//  - write: each partition to `<path>[<dir>/]part.<i>.parquet`, then, last, the count as
//    an empty object `<path>_partitions.<n>`; the bytes written are the partitions' sum.
//    An array of no partitions is refused: it has no schema, and an empty table is one
//    partition of zero rows. A `dir` is checked: `name=value` segments, none empty, none
//    starting with '.' or '_' (readers skip those), no '\' or control character;
//  - read: the count from the listing, then part 0 to part <n-1> where the listing found
//    them: a missing one is an error naming it, and so are a part beyond the count and a
//    number found twice. Payloads written before the count was recorded read the listed
//    parts, which must run from 0 without a gap (a missing last part goes unseen there).
//    Other files, such as a writer's `_metadata`, are ignored. A table written by another
//    writer (the original Nuthatch's: pandas names its files `<uuid>-0.parquet`, in Hive
//    folders for partition columns) has no `part.<i>` and no count: its `.parquet` files
//    are its partitions, in path order (digits by value), names starting with '_' or '.'
//    skipped as every reader skips them; and a payload that is one file (pandas'
//    `to_parquet` of a whole table) is one partition. Anything else without partitions
//    is corrupt.
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
constexpr std::string_view kCountPrefix = "_partitions.";

/// A file format of table partitions: the backend that stores it and its files' suffix.
struct TableFormat {
  std::string_view backend;  ///< "parquet", "arrow"
  std::string_view suffix;   ///< ".parquet", ".arrow"

  std::string part_name(std::size_t i) const {
    return fmt::format("{}{}{}", kPartPrefix, i, suffix);
  }
};

/// The number in `digits`, written as the writer writes it (no sign, no leading zero),
/// or nullopt.
std::optional<std::size_t> canonical_number(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

/// The partition number of a file name `part.<i><suffix>`, or nullopt.
std::optional<std::size_t> part_number(std::string_view name, std::string_view suffix) {
  if (name.size() <= kPartPrefix.size() + suffix.size() || !name.starts_with(kPartPrefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  return canonical_number(
      name.substr(kPartPrefix.size(), name.size() - kPartPrefix.size() - suffix.size()));
}

constexpr std::string_view kDirField = "dir";
constexpr std::string_view kDataField = "data";
constexpr std::size_t kMaxPartitionDepth = 32;

/// Whether `dir` is a Hive partition folder: `name=value` segments joined by '/'.
bool is_partition_dir(std::string_view dir) {
  if (dir.empty()) return false;
  std::size_t depth = 0;
  for (std::size_t start = 0; start <= dir.size();) {
    const std::size_t end = std::min(dir.find('/', start), dir.size());
    const std::string_view segment = dir.substr(start, end - start);
    const std::size_t eq = segment.find('=');
    if (segment.empty() || eq == 0 || eq == std::string_view::npos || segment[0] == '.' ||
        segment[0] == '_' || ++depth > kMaxPartitionDepth) {
      return false;
    }
    if (std::any_of(segment.begin(), segment.end(), [](char c) {
          return c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

/// One partition as stored: its bytes and the Hive folder it lives in ("" for none).
struct Part {
  std::string_view dir;
  const Bytes* data = nullptr;
};

Part part_of(const Value& element, std::size_t index, const TableFormat& format) {
  if (element.is_bytes()) return Part{{}, &element.bytes_ref()};
  const Value* dir = element.is_object() ? element.find(kDirField) : nullptr;
  const Value* data = element.is_object() ? element.find(kDataField) : nullptr;
  if (dir == nullptr || data == nullptr || element.size() != 2 || !dir->is_string() ||
      !data->is_bytes()) {
    throw CodecError(fmt::format(
        "backend {} stores an array of partitions, each bytes or {{\"dir\": text, "
        "\"data\": bytes}}; partition {} is neither",
        format.backend, index));
  }
  const std::string& folder = dir->string_ref();
  if (!is_partition_dir(folder)) {
    throw CodecError(fmt::format(
        "{} partition {}: folder '{}' is not of the form name=value[/name=value...] "
        "(no empty segment, none starting with '.' or '_', no '\\' or control character)",
        format.backend, index, folder));
  }
  return Part{folder, &data->bytes_ref()};
}

/// Where a listed part was found: its number and its Hive folder ("" for none).
struct Found {
  std::size_t number = 0;
  std::string dir;
};

/// What the listing of a payload shows: the parts by number, the recorded count, and
/// the other data files (relative paths; for tables written by other writers).
struct Listing {
  std::vector<Found> parts;
  std::optional<std::size_t> count;
  std::vector<std::string> foreign;
};

/// Text order, but runs of digits by their value: `x-2.parquet` before `x-10.parquet`.
bool natural_less(std::string_view a, std::string_view b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string_view x = a.substr(i, ie - i), y = b.substr(j, je - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

/// A data file of another writer: `<name><suffix>`, not hidden, in a Hive folder or none.
bool is_foreign_part(std::string_view dir, std::string_view file, std::string_view suffix) {
  return file.size() > suffix.size() && file.ends_with(suffix) && file[0] != '_' &&
         file[0] != '.' && (dir.empty() || is_partition_dir(dir));
}

Listing list_payload(Storage& storage, const std::string& path, const TableFormat& format) {
  Listing out;
  for (const ObjectInfo& info : storage.list(path)) {
    std::string_view name = info.path;
    if (!name.starts_with(path)) continue;
    name.remove_prefix(path.size());
    const std::size_t slash = name.rfind('/');
    const std::string_view dir = slash == std::string_view::npos ? "" : name.substr(0, slash);
    const std::string_view file = slash == std::string_view::npos ? name : name.substr(slash + 1);
    if (auto n = part_number(file, format.suffix); n && (dir.empty() || is_partition_dir(dir))) {
      out.parts.push_back(Found{*n, std::string(dir)});
    } else if (name.starts_with(kCountPrefix)) {
      std::optional<std::size_t> count = canonical_number(name.substr(kCountPrefix.size()));
      if (!count || out.count) {
        throw CodecError(fmt::format("{} payload {} has a bad partition count: {}{}",
                                     format.backend, path, out.count ? "a second one, " : "",
                                     info.path));
      }
      out.count = count;
    } else if (is_foreign_part(dir, file, format.suffix)) {
      out.foreign.emplace_back(name);
    }
  }
  std::sort(out.foreign.begin(), out.foreign.end(), natural_less);
  std::sort(out.parts.begin(), out.parts.end(),
            [](const Found& a, const Found& b) { return a.number < b.number; });
  for (std::size_t i = 1; i < out.parts.size(); ++i) {
    if (out.parts[i].number == out.parts[i - 1].number) {
      throw CodecError(fmt::format("{} payload {} holds partition {} twice: in '{}' and '{}'",
                                   format.backend, path, out.parts[i].number,
                                   out.parts[i - 1].dir, out.parts[i].dir));
    }
  }
  return out;
}

class TableFilesCodec final : public Codec {
 public:
  explicit TableFilesCodec(TableFormat format) : format_(format) {}

  std::string_view name() const override { return format_.backend; }
  std::string_view extension() const override { return format_.suffix; }
  const std::type_info& stored_type() const override { return typeid(Value); }
  bool single_file() const override { return false; }
  std::string partition_name(std::size_t index) const override { return format_.part_name(index); }
  std::string partitions_written_name(std::size_t count) const override {
    return fmt::format("{}{}", kCountPrefix, count);
  }

  std::uint64_t write_tree(const Boxed& value, Storage& storage, const std::string& path,
                           const Value& kwargs) const override {
    const Value* parts = value.get<Value>();
    if (parts == nullptr || !parts->is_array()) {
      throw CodecError(
          fmt::format("backend {} stores an array of partitions (bytes)", format_.backend));
    }
    if (parts->size() == 0) {
      throw CodecError(fmt::format(
          "backend {} stores at least one partition: an array of none has no schema "
          "(an empty table is one partition of zero rows)",
          format_.backend));
    }
    std::vector<Part> checked;  // all checked before the first write
    checked.reserve(parts->size());
    for (std::size_t i = 0; i < parts->size(); ++i) checked.push_back(part_of((*parts)[i], i, format_));
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const Part& part = checked[i];
      const std::string folder = part.dir.empty() ? path : fmt::format("{}{}/", path, part.dir);
      storage.write(folder + format_.part_name(i), part.data->view());
      total += part.data->size();
    }
    storage.write(fmt::format("{}{}{}", path, kCountPrefix, parts->size()), "");
    return total;
  }

  Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs) const override {
    const Listing listing = list_payload(storage, path, format_);
    if (listing.parts.empty() && !listing.count) return read_foreign(storage, path, listing);
    // Without a recorded count (an older payload), the parts listed must run from 0 up.
    const std::size_t count = listing.count ? *listing.count : listing.parts.back().number + 1;
    if (count == 0) {
      throw CodecError(fmt::format("{} payload {} records no partitions", format_.backend, path));
    }
    if (!listing.parts.empty() && listing.parts.back().number >= count) {
      const Found& last = listing.parts.back();
      throw CodecError(fmt::format("{} payload {} holds {}{}{}{} beyond the {} partitions it "
                                   "records",
                                   format_.backend, path, path, last.dir,
                                   last.dir.empty() ? "" : "/", format_.part_name(last.number),
                                   count));
    }
    Value::Array parts;
    parts.reserve(listing.parts.size());  // not `count`: it was read from storage
    auto listed = listing.parts.begin();
    for (std::size_t i = 0; i < count; ++i) {
      // The folder the listing found part i in; a part not listed is looked for flat.
      std::string dir;
      if (listed != listing.parts.end() && listed->number == i) dir = (listed++)->dir;
      const std::string file =
          dir.empty() ? path + format_.part_name(i)
                      : fmt::format("{}{}/{}", path, dir, format_.part_name(i));
      std::optional<std::string> bytes = storage.read(file);
      if (!bytes) {
        throw CodecError(
            listing.count
                ? fmt::format("{} partition {} is missing: the payload records {} partitions",
                              format_.backend, file, count)
                : fmt::format("{} partition {} is missing: the payload holds {}{}",
                              format_.backend, file, path, format_.part_name(count - 1)));
      }
      if (dir.empty()) {
        parts.emplace_back(Bytes(std::move(*bytes)));
      } else {
        Value::Members part;
        part.emplace_back(std::string(kDirField), Value(std::move(dir)));
        part.emplace_back(std::string(kDataField), Value(Bytes(std::move(*bytes))));
        parts.emplace_back(std::move(part));
      }
    }
    return Boxed::make(Value(std::move(parts)));
  }

 private:
  // A table another writer wrote: its data files in path order, or the payload's one file.
  Boxed read_foreign(Storage& storage, const std::string& path, const Listing& listing) const {
    Value::Array parts;
    if (listing.foreign.empty()) {
      const std::string file = path.ends_with('/') ? path.substr(0, path.size() - 1) : path;
      std::optional<std::string> bytes = file.empty() || !storage.stat(file) ? std::nullopt
                                                                           : storage.read(file);
      if (!bytes) {
        throw CodecError(fmt::format("{} payload {} holds no partitions", format_.backend, path));
      }
      parts.emplace_back(Bytes(std::move(*bytes)));
      return Boxed::make(Value(std::move(parts)));
    }
    parts.reserve(listing.foreign.size());
    for (const std::string& name : listing.foreign) {
      std::optional<std::string> bytes = storage.read(path + name);
      if (!bytes) {
        throw CodecError(fmt::format("{} partition {}{} is missing", format_.backend, path, name));
      }
      const std::size_t slash = name.rfind('/');
      if (slash == std::string::npos) {
        parts.emplace_back(Bytes(std::move(*bytes)));
        continue;
      }
      Value::Members part;
      part.emplace_back(std::string(kDirField), Value(name.substr(0, slash)));
      part.emplace_back(std::string(kDataField), Value(Bytes(std::move(*bytes))));
      parts.emplace_back(std::move(part));
    }
    return Boxed::make(Value(std::move(parts)));
  }

  TableFormat format_;
};

const CodecRegistrar kParquet(
    std::make_shared<TableFilesCodec>(TableFormat{"parquet", ".parquet"}));
const CodecRegistrar kArrow(std::make_shared<TableFilesCodec>(TableFormat{"arrow", ".arrow"}));

}  // namespace
}  // namespace nuthatch
