#pragma once
// Whether a stored entry is stale, and why (DESIGN §4 Staleness): its recorded code
// components differ from the function's current ones, or an entry it read while
// computing (its `inputs`) has been replaced, deleted, or is stale itself. The one place
// the call path (a hit), the questions that run no call (status) and the command
// (`nuthatch status`, `lineage`) ask.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "location/location.hpp"
#include "meta/manifest.hpp"

namespace nuthatch::staleness {

/// What makes one entry stale: readable reasons, e.g. "helper `rolling_mean` in
/// pipeline/agg.py changed" or "input 'my_first_cache/...' at root was recomputed".
struct Verdict {
  std::vector<std::string> reasons;
  bool input_missing = false;  ///< an input was deleted (a reason says which)
  bool stale() const { return !reasons.empty(); }
};

/// What is known of an input's place: the entry stored there now ("" = nothing) and that
/// entry's own upstream verdict.
struct InputAnswer {
  std::string entry_id;
  Verdict verdict;
};

/// The reasons an entry is stale upstream, given what each of its inputs' places holds
/// (`answer` gives std::nullopt for an input that cannot be judged: left out). The one
/// wording of those reasons, for the call path and `nuthatch status` alike.
Verdict judge_inputs(const Manifest& m,
                     const std::function<std::optional<InputAnswer>(const InputRef&)>& answer);

/// Inputs of inputs are followed this deep. Lineage never cycles (an entry can only read
/// entries committed before it); the bound keeps a crafted store from recursing forever.
inline constexpr int kMaxInputDepth = 16;

/// How long an answer about an input is reused in this process before its manifest is
/// read again. Commits and removals made by this process are seen at once.
inline constexpr int kInputAnswerSeconds = 10;

/// The components of `recorded` that differ from `current`, as reasons ("<component>
/// changed", "... added", "... removed"). Nothing when either records no components (an
/// entry from before components were recorded, or a function without them: unknown, not
/// stale). Components named "package ..." count only with `packages`.
std::vector<std::string> code_changes(const std::map<std::string, std::string>& recorded,
                                      const std::map<std::string, std::string>& current,
                                      bool packages);

/// The inputs of `m` that were replaced, deleted or are stale themselves (transitively),
/// looked up at the locations of `locations` they were read from (an input read from a
/// location this configuration lacks cannot be judged and is left out). Answers are
/// reused for kInputAnswerSeconds, so a hit costs at most one manifest read per input.
Verdict upstream(const Manifest& m, const Locations& locations);

/// This process committed, removed or re-stamped the entry at (location, ns, key), which
/// later checks must see at once. Answers are forgotten only when that place is among
/// them: an answer's verdict rests on the answers of its own inputs, each of which was
/// kept too, so a place no kept answer names changes none of them.
void note_changed(std::string_view location, std::string_view ns, std::string_view key);

/// Forgets every reused answer (tests, and a process that wants the next check fresh).
void forget_answers();

/// The text of a verdict's reasons for messages: "a; b; c".
std::string describe(const std::vector<std::string>& reasons);

}  // namespace nuthatch::staleness
