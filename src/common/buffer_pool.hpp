#pragma once
// The buffer pool behind NDArray::uninitialized (public limits: nuthatch/memory.hpp).

#include <cstddef>
#include <memory>

namespace nuthatch::detail {

/// A buffer of at least `bytes` (64-byte aligned), recycled through the pool when it is
/// at least kMinPooledBufferBytes: the returned handle gives it back when released.
/// Its contents are unspecified.
std::shared_ptr<void> allocate_buffer(std::size_t bytes);

}  // namespace nuthatch::detail
