#include "codecs/zarr/chunk_grid.hpp"

#include <algorithm>

namespace nuthatch::zarr {

Index Box::extent() const {
  Index e(start.size());
  for (std::size_t i = 0; i < start.size(); ++i) {
    e[i] = std::max<std::int64_t>(0, stop[i] - start[i]);
  }
  return e;
}

std::int64_t Box::elements() const {
  std::int64_t n = 1;
  for (auto e : extent()) n *= e;
  return n;
}

bool Box::empty() const { return elements() == 0; }

Box full_box(const Index& shape) { return {Index(shape.size(), 0), shape}; }

Box chunk_box(const Index& chunk_index, const Index& chunks, const Index& shape) {
  Box b{Index(shape.size()), Index(shape.size())};
  for (std::size_t i = 0; i < shape.size(); ++i) {
    b.start[i] = chunk_index[i] * chunks[i];
    b.stop[i] = std::min(shape[i], b.start[i] + chunks[i]);
  }
  return b;
}

Box intersect(const Box& a, const Box& b) {
  Box r{Index(a.start.size()), Index(a.start.size())};
  for (std::size_t i = 0; i < a.start.size(); ++i) {
    r.start[i] = std::max(a.start[i], b.start[i]);
    r.stop[i] = std::max(r.start[i], std::min(a.stop[i], b.stop[i]));
  }
  return r;
}

std::vector<Index> chunks_touching(const Box& box, const Index& chunks) {
  const std::size_t rank = chunks.size();
  if (rank == 0) return {Index{}};
  if (box.empty()) return {};
  Index first(rank), last(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    first[i] = box.start[i] / chunks[i];
    last[i] = (box.stop[i] - 1) / chunks[i];
  }
  std::vector<Index> out;
  Index pos = first;
  while (true) {
    out.push_back(pos);
    std::size_t axis = rank;
    while (axis > 0) {
      --axis;
      if (++pos[axis] <= last[axis]) break;
      pos[axis] = first[axis];
      if (axis == 0) return out;
    }
  }
}

}  // namespace nuthatch::zarr
