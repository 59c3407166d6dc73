#include "latent/base/progress.h"

#include <unistd.h>

#include <cstdio>

namespace latent {
namespace {
bool g_quiet = false;
}

void set_quiet(bool quiet) { g_quiet = quiet; }

void log_line(const std::string& message) {
  if (!g_quiet) std::fprintf(stderr, "%s\n", message.c_str());
}

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total),
      tty_(isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::update(int64_t done, const std::string& detail) {
  if (g_quiet) return;
  auto now = std::chrono::steady_clock::now();
  double since_print = std::chrono::duration<double>(now - last_print_).count();
  if (since_print < (tty_ ? 0.2 : 10.0) || done >= total_) return;
  last_print_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0;
  int percent = static_cast<int>(100 * done / std::max<int64_t>(total_, 1));
  if (tty_) {
    constexpr int kWidth = 30;
    std::string bar(kWidth * percent / 100, '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% %s eta %.0fs\033[K", label_.c_str(), bar.c_str(), percent, detail.c_str(),
                 eta);
  } else {
    std::fprintf(stderr, "%s %3d%% %s eta %.0fs\n", label_.c_str(), percent, detail.c_str(), eta);
  }
}

void Progress::finish(const std::string& detail) {
  if (g_quiet) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s done in %.1fs %s%s\n", tty_ ? "\r" : "", label_.c_str(), elapsed, detail.c_str(),
               tty_ ? "\033[K" : "");
}

}  // namespace latent
