#pragma once
// Progress of long work on stderr: a bar redrawn in place when stderr is a terminal, a line
// every few seconds otherwise (logs stay readable).
#include <chrono>
#include <cstdint>
#include <string>

namespace latent {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  void update(int64_t done, const std::string& detail = "");
  void finish(const std::string& detail = "");

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

/// One line on stderr (for messages that are not progress).
void log_line(const std::string& message);
/// Silences Progress and log_line (tests, --quiet).
void set_quiet(bool quiet);

}  // namespace latent
