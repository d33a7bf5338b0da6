// Streaming writes of a Zarr group.
//
// Invariants:
//  1. create() writes every array's metadata and the group's unconsolidated metadata
//     before any chunk, so another process can open() the store and learn the arrays
//     from storage alone; the writer holds no state that is not on storage.
//  2. write_region() writes whole chunks only (a region is aligned to chunk boundaries),
//     so writers of disjoint regions never touch the same object and need no locking.
//  3. commit() re-reads the group's metadata and writes it again with the consolidated
//     form last, so a reader of consolidated metadata sees every chunk written before.

#include <string>
#include <utility>

#include "codecs/zarr/array_io.hpp"
#include "codecs/zarr/group.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/zarr.hpp"

namespace nuthatch::zarr {

struct DatasetWriter::State {
  StoragePtr storage;
  WriteOptions options;
  std::map<std::string, ArrayMeta> arrays;
};

namespace {

std::string describe(const Selection& region) {
  std::string out;
  for (const auto& r : region.ranges) {
    out += (out.empty() ? "" : ", ") + r.dim + "[" + std::to_string(r.start) + ":" +
           std::to_string(r.stop) + "]";
  }
  return "{" + out + "}";
}

[[noreturn]] void bad_region(const std::string& variable, const Selection& region,
                             const std::string& cause) {
  throw CodecError("zarr variable '" + variable + "', region " + describe(region) + ": " + cause);
}

/// The box `region` covers in `meta`, checked against its shape and chunk grid.
Box region_box(const std::string& variable, const ArrayMeta& meta, const Selection& region) {
  Box box = full_box(meta.shape);
  for (const auto& r : region.ranges) {
    std::size_t axis = 0;
    while (axis < meta.dims.size() && meta.dims[axis] != r.dim) ++axis;
    if (axis == meta.dims.size()) bad_region(variable, region, "no dimension '" + r.dim + "'");
    if (r.start < 0 || r.stop < r.start || r.stop > meta.shape[axis]) {
      bad_region(variable, region, "outside the extent " + std::to_string(meta.shape[axis]) +
                                       " of '" + r.dim + "'");
    }
    const std::int64_t chunk = meta.chunks[axis];
    if (r.start % chunk != 0 || (r.stop % chunk != 0 && r.stop != meta.shape[axis])) {
      bad_region(variable, region, "not aligned to the chunks of '" + r.dim + "' (" +
                                       std::to_string(chunk) + ")");
    }
    box.start[axis] = r.start;
    box.stop[axis] = r.stop;
  }
  return box;
}

bool dtype_fits(DType stored, DType block) {
  if (stored == block) return true;
  const auto is_time = [](DType d) { return d == DType::int64 || d == DType::datetime64_ns; };
  return is_time(stored) && is_time(block);
}

std::map<std::string, ArrayMeta> by_name(std::vector<ArrayMeta> arrays) {
  std::map<std::string, ArrayMeta> out;
  for (auto& m : arrays) out.emplace(m.name, std::move(m));
  return out;
}

}  // namespace

DatasetWriter DatasetWriter::create(std::string url, const DatasetSchema& schema,
                                    WriteOptions options) {
  return create(StorageRegistry::open(url), schema, options);
}

DatasetWriter DatasetWriter::open(std::string url) { return open(StorageRegistry::open(url)); }

DatasetWriter DatasetWriter::create(StoragePtr storage, const DatasetSchema& schema,
                                    WriteOptions options) {
  auto state = std::make_shared<State>();
  state->storage = std::move(storage);
  state->options = options;
  GroupPlan plan = plan_group(schema, options);
  remove_group(*state->storage, "");
  WriteOptions unconsolidated = options;
  unconsolidated.consolidated = false;
  write_metadata(*state->storage, "", plan, unconsolidated);
  state->arrays = by_name(std::move(plan.arrays));
  return DatasetWriter(std::move(state));
}

DatasetWriter DatasetWriter::open(StoragePtr storage) {
  auto state = std::make_shared<State>();
  state->storage = std::move(storage);
  GroupPlan plan = list_group(*state->storage, "");
  if (!plan.arrays.empty()) state->options.zarr_format = plan.arrays.front().zarr_format;
  state->arrays = by_name(std::move(plan.arrays));
  return DatasetWriter(std::move(state));
}

void DatasetWriter::write_region(const std::string& variable, const Selection& region,
                                 const NDArray& block) {
  auto it = state_->arrays.find(variable);
  if (it == state_->arrays.end()) bad_region(variable, region, "no such variable");
  const ArrayMeta& meta = it->second;
  const Box box = region_box(variable, meta, region);
  if (block.shape() != box.extent()) {
    bad_region(variable, region, "the block's shape does not match the region");
  }
  if (!dtype_fits(meta.dtype, block.dtype())) {
    bad_region(variable, region, "the block's dtype " + std::string(dtype_name(block.dtype())) +
                                     " is not the variable's " +
                                     std::string(dtype_name(meta.dtype)));
  }
  write_box(*state_->storage, variable + "/", meta, block, box);
}

void DatasetWriter::commit() {
  GroupPlan plan = list_group(*state_->storage, "");
  if (state_->options.consolidated) write_metadata(*state_->storage, "", plan, state_->options);
}

}  // namespace nuthatch::zarr
