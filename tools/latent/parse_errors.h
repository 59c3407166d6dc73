#pragma once
// What a command line CLI11 cannot parse gets: one line naming the problem and the help to read.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace latent::cli {

/// The message for `error` (without "latent: "), once app.parse(args) threw it: an unknown
/// command or option is named with the nearest known one ("did you mean"), extra arguments are
/// listed in the order given, and the help pointed to is the selected subcommand's.
std::string parse_error_message(CLI::App& app, const CLI::ParseError& error, const std::vector<std::string>& args);

}  // namespace latent::cli
