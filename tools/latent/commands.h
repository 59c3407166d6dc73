#pragma once
// One function per subcommand; each adds its subcommand and the callback that runs it.
#include <CLI/CLI.hpp>

namespace latent::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_reconstruct_command(CLI::App& app);
void add_encode_command(CLI::App& app);
void add_decode_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_index_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_eval_retrieval_command(CLI::App& app);
void add_denoise_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_interpolate_command(CLI::App& app);
void add_compress_command(CLI::App& app);
void add_decompress_command(CLI::App& app);
void add_anomaly_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_embed_command(CLI::App& app);
void add_knn_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_pack_command(CLI::App& app);

}  // namespace latent::cli
