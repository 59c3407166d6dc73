// latent: the command line. Bad input (latent::Error, bad flags, unreadable JSON, a bad path) →
// one line on stderr, exit 2; an internal error or no memory → one line, exit 1; Ctrl-C while
// training → one line saying how to resume, exit 130. Never an uncaught exception (abort, core).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "commands.h"
#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent_version.h"
#include "parse_errors.h"

namespace {

// Messages from torch, FAISS or the standard library may span lines: the CLI prints one.
int report(const std::string& message, int code) {
  std::string line = message.substr(0, message.find('\n'));
  std::fprintf(stderr, "latent: %s\n", line.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) write() then fails with EFBIG and the error is reported,
  // instead of SIGXFSZ killing the process with a temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"latent: train autoencoders and put their codes to work"};
  app.require_subcommand(1);
  // An option given twice takes its last value (as argparse and getopt tools do), so a recipe's
  // flags can be copied and one of them overridden by appending it. Subcommands inherit this.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.set_version_flag("--version", "latent " LATENT_VERSION, "Print the version and exit");
  latent::cli::add_train_command(app);
  latent::cli::add_eval_command(app);
  latent::cli::add_reconstruct_command(app);
  latent::cli::add_encode_command(app);
  latent::cli::add_pack_command(app);
  latent::cli::add_decode_command(app);
  latent::cli::add_export_command(app);
  latent::cli::add_info_command(app);
  latent::cli::add_index_command(app);
  latent::cli::add_search_command(app);
  latent::cli::add_eval_retrieval_command(app);
  latent::cli::add_denoise_command(app);
  latent::cli::add_generate_command(app);
  latent::cli::add_interpolate_command(app);
  latent::cli::add_compress_command(app);
  latent::cli::add_decompress_command(app);
  latent::cli::add_anomaly_command(app);
  latent::cli::add_serve_command(app);
  latent::cli::add_pretrain_command(app);
  latent::cli::add_classify_command(app);
  latent::cli::add_embed_command(app);
  latent::cli::add_knn_command(app);
  latent::cli::add_plot_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report(latent::cli::parse_error_message(app, e, std::vector<std::string>(argv + 1, argv + argc)), 2);
  } catch (const latent::SettingError& e) {
    // The library names the setting ("code activation"), the command line its flag.
    std::string flag = "--" + e.setting;
    std::replace(flag.begin(), flag.end(), ' ', '-');
    std::fprintf(stderr, "latent: %s %s\n", flag.c_str(), e.problem.c_str());
    return 2;
  } catch (const latent::Interrupted& e) {
    return report(e.what(), 130);
  } catch (const latent::Error& e) {
    return report(e.what(), 2);
  } catch (const c10::Error& e) {
    return report(std::string("internal error: ") + e.what_without_backtrace(), 1);
  } catch (const std::filesystem::filesystem_error& e) {
    return report(e.what(), 2);  // a path the user gave
  } catch (const nlohmann::json::exception& e) {
    return report(std::string("unreadable JSON: ") + e.what(), 2);  // a file the user gave
  } catch (const std::bad_alloc&) {
    return report("out of memory", 1);
  } catch (const std::exception& e) {
    return report(std::string("internal error: ") + e.what(), 1);  // FAISS among others
  } catch (...) {
    return report("internal error: unknown exception", 1);
  }
  return 0;
}
