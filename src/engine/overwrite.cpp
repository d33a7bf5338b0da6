#include "engine/overwrite.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

#include "common/log.hpp"
#include "nuthatch/prompt.hpp"

namespace nuthatch {
namespace {

struct PromptState {
  std::mutex mu;        // guards prompter
  Prompter prompter;    // empty: ask_on_terminal
  std::mutex asking;    // one question at a time
};

PromptState& prompt_state() {
  static PromptState* state = new PromptState();  // never destroyed: used at exit
  return *state;
}

std::optional<bool> ask_on_terminal(const std::string& question) {
  if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) return std::nullopt;
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return std::nullopt;
  return is_yes(answer);
}

}  // namespace

Prompter set_prompter(Prompter prompter) {
  PromptState& state = prompt_state();
  std::lock_guard lock(state.mu);
  std::swap(state.prompter, prompter);
  return prompter;
}

std::optional<bool> ask_user(const std::string& question) {
  PromptState& state = prompt_state();
  Prompter prompter;
  {
    std::lock_guard lock(state.mu);
    prompter = state.prompter;
  }
  std::lock_guard asking(state.asking);
  return prompter ? prompter(question) : ask_on_terminal(question);
}

bool is_yes(const std::string& answer) {
  auto first = std::find_if_not(answer.begin(), answer.end(),
                                [](unsigned char c) { return std::isspace(c); });
  auto last = std::find_if_not(answer.rbegin(), answer.rend(),
                               [](unsigned char c) { return std::isspace(c); }).base();
  std::string word(first, std::max(first, last));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word == "y" || word == "yes";
}

bool decide_overwrite(const std::optional<bool>& force_overwrite, const std::string& key,
                      const std::string& location, const std::string& url) {
  if (force_overwrite) return *force_overwrite;
  std::optional<bool> answer = ask_user(fmt::format(
      "A cache entry for '{}' already exists at {} ({}). Overwrite it?", key, location, url));
  if (answer) return *answer;
  log::warn(fmt::format("keeping the existing cache entry for '{}' at {}; the freshly computed "
                        "value is returned but not stored (pass force_overwrite=true to replace "
                        "it)",
                        key, location));
  return false;
}

}  // namespace nuthatch
