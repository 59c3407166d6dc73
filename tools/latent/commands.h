#pragma once
// One function per subcommand; each adds its subcommand and the callback that runs it.
#include <CLI/CLI.hpp>

namespace latent::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_reconstruct_command(CLI::App& app);
void add_encode_command(CLI::App& app);
void add_decode_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_compress_command(CLI::App& app);
void add_decompress_command(CLI::App& app);
void add_anomaly_command(CLI::App& app);

}  // namespace latent::cli
