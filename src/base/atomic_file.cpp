#include "latent/base/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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
    throw Error("cannot write " + path + ": " + what + ": " + reason);
  };
  auto fail_and_remove = [&](const std::string& what, int fd) {
    int saved = errno;
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    errno = saved;
    fail(what, -1);
  };
  // O_EXCL | O_NOFOLLOW: a file or symlink already at the temporary's name (planted to redirect
  // the write) is refused, never written through; this process leaves none of its own behind.
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) fail("create " + tmp, -1);
  // A replaced file keeps its permission bits (a 0600 model stays private); a new one gets 0644 less the umask.
  struct stat old {};
  if (stat(path.c_str(), &old) == 0 && fchmod(fd, old.st_mode & 0777) != 0) fail_and_remove("chmod " + tmp, fd);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_and_remove("write", fd);
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) fail_and_remove("fsync", fd);
  if (close(fd) != 0) fail_and_remove("close", -1);
  if (rename(tmp.c_str(), path.c_str()) != 0) fail_and_remove("rename", -1);
  // The rename is durable only once the directory is synced: until then a crash can lose it.
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail("open directory", -1);
  if (fsync(dir_fd) != 0) fail("fsync directory", dir_fd);
  close(dir_fd);
}

}  // namespace latent
