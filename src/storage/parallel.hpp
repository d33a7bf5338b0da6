#pragma once
// A small fan-out for the object-store drivers: staged blocks uploaded in parallel, batch
// removes as parallel DELETEs.

#include <cstddef>
#include <functional>

namespace nuthatch {

/// Runs task(0) ... task(count - 1) on at most `threads` threads (the caller's included).
/// The first exception stops tasks that have not started yet; it is rethrown once every
/// running task has finished.
void run_parallel(std::size_t count, int threads, const std::function<void(std::size_t)>& task);

}  // namespace nuthatch
