#pragma once
// Geometry of a regular chunk grid: boxes, the chunks a box touches, and the contiguous
// runs that copy a box between two C-ordered buffers.

#include <cstdint>
#include <vector>

namespace nuthatch::zarr {

using Index = std::vector<std::int64_t>;

/// A hyper-rectangle [start, stop) in element coordinates.
struct Box {
  Index start;
  Index stop;
  Index extent() const;
  std::int64_t elements() const;
  bool empty() const;
};

/// The whole of an array of `shape`.
Box full_box(const Index& shape);
/// The box a chunk covers, clipped to the array shape.
Box chunk_box(const Index& chunk_index, const Index& chunks, const Index& shape);
/// The intersection of two boxes (may be empty).
Box intersect(const Box& a, const Box& b);
/// Indices of the chunks that intersect `box`, in C order (none for an empty box).
std::vector<Index> chunks_touching(const Box& box, const Index& chunks);

/// Calls run(src_offset, dst_offset, count) (in elements) for each contiguous innermost
/// run of `region` (absolute coordinates), between a source buffer covering the box at
/// `src_origin` with `src_shape` and a destination buffer at `dst_origin` / `dst_shape`.
template <class Run>
void for_each_run(const Box& region, const Index& src_origin, const Index& src_shape,
                  const Index& dst_origin, const Index& dst_shape, Run&& run) {
  const std::size_t rank = region.start.size();
  if (rank == 0) {
    run(0, 0, 1);
    return;
  }
  if (region.empty()) return;
  Index src_stride(rank, 1), dst_stride(rank, 1);
  for (std::size_t i = rank - 1; i > 0; --i) {
    src_stride[i - 1] = src_stride[i] * src_shape[i];
    dst_stride[i - 1] = dst_stride[i] * dst_shape[i];
  }
  const std::int64_t count = region.stop[rank - 1] - region.start[rank - 1];
  Index pos = region.start;
  while (true) {
    std::int64_t s = 0, d = 0;
    for (std::size_t i = 0; i < rank; ++i) {
      s += (pos[i] - src_origin[i]) * src_stride[i];
      d += (pos[i] - dst_origin[i]) * dst_stride[i];
    }
    run(s, d, count);
    std::size_t axis = rank - 1;  // odometer over all axes but the innermost
    while (axis > 0) {
      --axis;
      if (++pos[axis] < region.stop[axis]) break;
      pos[axis] = region.start[axis];
      if (axis == 0) return;
    }
    if (rank == 1) return;
  }
}

}  // namespace nuthatch::zarr
