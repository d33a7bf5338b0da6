#pragma once
// How the engine asks its user a question. The engine owns the policy (when to ask, what a
// missing answer means: DESIGN §4, replacing an existing entry); the front end supplies how
// to ask: the C++ default asks on an interactive terminal, the Python package asks through
// Python (input(), which Jupyter and other front ends answer).

#include <functional>
#include <optional>
#include <string>

namespace nuthatch {

/// Asks a yes/no question and returns the answer, or std::nullopt when nobody can answer
/// (no terminal, end of input): the engine then takes the safe choice its rule names.
/// May be called from any thread that runs a cached call; one question at a time.
using Prompter = std::function<std::optional<bool>(const std::string& question)>;

/// Installs `prompter` for every later question; an empty one restores the default (ask
/// on the terminal when standard input and standard error are both terminals, otherwise
/// nobody answers). Returns the prompter it replaces (empty for the default).
Prompter set_prompter(Prompter prompter);

/// Asks `question` with the installed prompter (one question at a time, process-wide).
std::optional<bool> ask_user(const std::string& question);

/// Reads an answer the way every front end does: "y" or "yes" (any case, surrounding
/// spaces ignored) is yes; anything else is no.
bool is_yes(const std::string& answer);

}  // namespace nuthatch
