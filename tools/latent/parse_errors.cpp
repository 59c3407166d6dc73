#include "parse_errors.h"

#include <algorithm>

namespace latent::cli {
namespace {

// The deepest subcommand the command line selected ("latent index build"): its help is the one to read.
CLI::App* selected(CLI::App& app) {
  CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

std::string command_path(const CLI::App* at) {
  std::string path;
  for (; at->get_parent() != nullptr; at = at->get_parent()) path = " " + at->get_name() + path;
  return "latent" + path;
}

// Optimal string alignment distance: an insertion, deletion, substitution or swap of two
// neighbouring letters ("serach") costs one.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string without_dashes(const std::string& word) {
  return word.substr(std::min(word.find_first_not_of('-'), word.size()));
}

// The subcommand or flag of `at` nearest to `word`, dashes aside (`version` finds --version), or
// "" when none is within two edits and half the word: a suggestion far off only misleads.
std::string nearest(const CLI::App* at, const std::string& word) {
  std::vector<std::string> known;
  for (const CLI::App* sub : at->get_subcommands({})) known.push_back(sub->get_name());
  for (const CLI::Option* option : at->get_options())
    for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
  const std::string bare = without_dashes(word);
  std::string best;
  size_t best_distance = std::min<size_t>(2, bare.size() / 2) + 1;
  for (const std::string& name : known) {
    const size_t distance = edit_distance(bare, without_dashes(name));
    if (distance < best_distance) best = name, best_distance = distance;
  }
  return best;
}

// CLI11 collects the words it could not place per subcommand, and its own message lists them
// backwards: this takes them in the order of the command line.
std::vector<std::string> in_given_order(std::vector<std::string> left, const std::vector<std::string>& args) {
  std::vector<std::string> ordered;
  for (const std::string& arg : args) {
    auto found = std::find(left.begin(), left.end(), arg);
    if (found == left.end()) continue;
    ordered.push_back(arg);
    left.erase(found);
  }
  ordered.insert(ordered.end(), left.begin(), left.end());
  return ordered;
}

}  // namespace

std::string parse_error_message(CLI::App& app, const CLI::ParseError& error, const std::vector<std::string>& args) {
  CLI::App* at = selected(app);
  const std::string help = " (see " + command_path(at) + " --help)";
  const std::vector<std::string> left = in_given_order(app.remaining(true), args);
  // A command that needs a subcommand and got a word it does not know: that word is the problem.
  if (at->get_require_subcommand_min() > 0 && !left.empty()) {
    const std::string& word = left.front();
    const std::string suggestion = nearest(at, word);
    return std::string(word.rfind('-', 0) == 0 ? "unknown option '" : "unknown command '") + word + "'" +
           (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") + help;
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !left.empty()) {
    std::string words;
    for (const std::string& word : left) words += (words.empty() ? "" : " ") + word;
    return std::string(left.size() > 1 ? "The following arguments were not expected: "
                                       : "The following argument was not expected: ") +
           words + help;
  }
  return error.what() + help;
}

}  // namespace latent::cli
