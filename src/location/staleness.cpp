// Staleness (DESIGN §4): code components compared name by name, and inputs looked up at
// the locations they were read from, transitively, with answers reused for a few seconds.

#include "location/staleness.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "common/log.hpp"

namespace nuthatch::staleness {
namespace {

constexpr std::string_view kPackagePrefix = "package ";

bool is_package(const std::string& component) { return component.starts_with(kPackagePrefix); }

// What this process knows of one input's place, and since when.
struct Answer {
  std::chrono::steady_clock::time_point at;
  InputAnswer answer;
};

struct Answers {
  std::mutex mu;
  std::unordered_map<std::string, Answer> by_place;
};

Answers& answers() {
  static Answers* a = new Answers();  // outlives static destructors of other units
  return *a;
}

std::string place_id(const InputRef& in) {
  return fmt::format("{}\n{}\n{}\n{}", in.location, in.ns, in.key, in.backend);
}

const Location* named(const Locations& locations, const std::string& name) {
  for (const Location* l : locations.all()) {
    if (l->name() == name) return l;
  }
  return nullptr;
}

Verdict upstream_at(const Manifest& m, const Locations& locations, int depth);

// The entry now at an input's place, and its own upstream verdict; nullopt when it cannot
// be judged (a location this configuration lacks or cannot read).
std::optional<InputAnswer> answer_for(const InputRef& in, const Locations& locations, int depth) {
  const std::string id = place_id(in);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(answers().mu);
    auto it = answers().by_place.find(id);
    if (it != answers().by_place.end() &&
        now - it->second.at < std::chrono::seconds(kInputAnswerSeconds)) {
      return it->second.answer;
    }
  }
  const Location* location = named(locations, in.location);
  if (location == nullptr || location->layout() != EntryLayout::nuthatch) return std::nullopt;
  InputAnswer a;
  try {
    std::optional<LocatedEntry> found = location->find(in.ns, in.key, in.backend);
    if (found) {
      a.entry_id = found->record.manifest.entry_id;
      if (depth < kMaxInputDepth) a.verdict = upstream_at(found->record.manifest, locations, depth + 1);
    }
  } catch (const std::exception& e) {
    log::debug(fmt::format("cannot check input '{}' at {}: {}", in.key, in.location, e.what()));
    return std::nullopt;
  }
  std::lock_guard lock(answers().mu);
  answers().by_place[id] = Answer{now, a};
  return a;
}

Verdict upstream_at(const Manifest& m, const Locations& locations, int depth) {
  return judge_inputs(m, [&](const InputRef& in) { return answer_for(in, locations, depth); });
}

}  // namespace

std::vector<std::string> code_changes(const std::map<std::string, std::string>& recorded,
                                      const std::map<std::string, std::string>& current,
                                      bool packages) {
  std::vector<std::string> reasons;
  if (recorded.empty() || current.empty()) return reasons;
  for (const auto& [name, hash] : recorded) {
    if (is_package(name) && !packages) continue;
    auto now = current.find(name);
    if (now == current.end()) {
      reasons.push_back(name + " was removed");
    } else if (now->second != hash) {
      reasons.push_back(is_package(name) || name == "version" || name == "code_version"
                            ? fmt::format("{} changed ({} -> {})", name, hash, now->second)
                            : name + " changed");
    }
  }
  for (const auto& [name, hash] : current) {
    if (is_package(name) && !packages) continue;
    if (!recorded.contains(name)) reasons.push_back(name + " was added");
  }
  return reasons;
}

Verdict judge_inputs(const Manifest& m,
                     const std::function<std::optional<InputAnswer>(const InputRef&)>& answer) {
  Verdict v;
  for (const InputRef& in : m.inputs) {
    std::optional<InputAnswer> a = answer(in);
    if (!a) continue;
    if (a->entry_id.empty()) {
      v.reasons.push_back(fmt::format("input '{}' at {} was deleted", in.key, in.location));
      v.input_missing = true;
    } else if (a->entry_id != in.entry_id) {
      v.reasons.push_back(fmt::format("input '{}' at {} was recomputed since", in.key,
                                      in.location));
    } else if (a->verdict.stale()) {
      v.reasons.push_back(fmt::format("input '{}' at {} is stale ({})", in.key, in.location,
                                      a->verdict.reasons.front()));
      v.input_missing = v.input_missing || a->verdict.input_missing;
    }
  }
  return v;
}

Verdict upstream(const Manifest& m, const Locations& locations) {
  if (m.inputs.empty()) return {};
  return upstream_at(m, locations, 0);
}

void note_changed(std::string_view location, std::string_view ns, std::string_view key) {
  const std::string prefix = fmt::format("{}\n{}\n{}\n", location, ns, key);
  std::lock_guard lock(answers().mu);
  for (const auto& [id, _] : answers().by_place) {
    if (id.starts_with(prefix)) {
      answers().by_place.clear();
      return;
    }
  }
}

void forget_answers() {
  std::lock_guard lock(answers().mu);
  answers().by_place.clear();
}

std::string describe(const std::vector<std::string>& reasons) {
  std::string out;
  for (const std::string& r : reasons) {
    if (!out.empty()) out += "; ";
    out += r;
  }
  return out;
}

}  // namespace nuthatch::staleness
