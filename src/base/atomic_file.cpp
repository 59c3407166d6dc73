#include "latent/base/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "latent/base/error.h"

namespace latent {
namespace {

// A writer killed before its rename leaves path.tmp.<pid> behind; the next writer of the same
// path removes those whose process is gone (a live one may still be writing).
void remove_stale_temporaries(const std::string& path) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 9)
      continue;
    std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) unlink(entry.path().c_str());
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  remove_stale_temporaries(path);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  auto fail = [&](const std::string& what, int fd) {
    std::string reason = std::strerror(errno);
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    throw Error("cannot write " + path + ": " + what + ": " + reason);
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", -1);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", fd);
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) fail("fsync", fd);
  if (close(fd) != 0) fail("close", -1);
  if (rename(tmp.c_str(), path.c_str()) != 0) fail("rename", -1);
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);  // makes the rename itself durable
    close(dir_fd);
  }
}

}  // namespace latent
