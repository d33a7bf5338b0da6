#pragma once
/// Processors slice and validate results (DESIGN §7). A processor sees the call's
/// arguments before the lookup (process_arguments), and the result after it was recalled
/// or computed (validate, then post_process). Entries are stored unprocessed: a
/// processor shapes what a call returns, never what the cache holds.
///
/// When validate() rejects a *recalled* result, the engine treats the entry as a miss:
/// it recomputes and replaces it (the entry did not cover the call). When it rejects a
/// freshly *computed* result, the call fails with an Error naming the processor.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

/// The arguments of one call, by name, in declaration order.
struct Arguments {
  std::vector<std::string> names;
  std::vector<Value> values;
  /// The value of an argument, or nullptr when the function has no such argument.
  const Value* find(std::string_view name) const;
};

class Processor {
 public:
  virtual ~Processor() = default;
  /// Name for messages ("timeseries").
  virtual std::string name() const = 0;
  /// Checks (and may normalise) the arguments before the lookup. Throws Error on bad
  /// arguments.
  virtual void process_arguments(Arguments& args) const {}
  /// Whether a result covers what the call asked for.
  virtual bool validate(const Boxed& result, const Arguments& args) const { return true; }
  /// Shapes the result the call returns (e.g. slices it).
  virtual Boxed post_process(Boxed result, const Arguments& args) const { return result; }
  /// The part of a recalled result this call needs, when validate() and post_process()
  /// look at no more than that range (and one neighbour on each side of it); nullopt,
  /// the default, when they need the whole result. When a function's only processor
  /// names a range, the engine asks the codec to read just that part of a root or mirror
  /// entry (the zarr codec reads only the chunks it touches).
  virtual std::optional<CoordinateRange> read_range(const Arguments& args) const {
    return std::nullopt;
  }
};

/// Slices a Dataset along the datetime64 coordinate `dim` to [start_time, end_time] (the
/// arguments of those names, ISO 8601 dates or times; either may be null / absent), and
/// validates that the data covers that range (when validate_data is true).
std::shared_ptr<const Processor> timeseries(std::string dim = "time", bool validate_data = true);

}  // namespace nuthatch
