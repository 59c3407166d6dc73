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

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  remove_stale_temporaries(path_);
  tmp_ = path_ + ".tmp." + std::to_string(getpid());
  // O_EXCL | O_NOFOLLOW: a file or symlink already at the temporary's name (planted to redirect
  // the write) is refused, never written through; this process leaves none of its own behind.
  fd_ = open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot write " + path_ + ": create " + tmp_ + ": " + std::strerror(errno));
  // A replaced file keeps its permission bits (a 0600 model stays private); a new one gets 0644 less the umask.
  struct stat old {};
  if (stat(path_.c_str(), &old) == 0 && fchmod(fd_, old.st_mode & 0777) != 0) fail("chmod " + tmp_);
}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  close(fd_);
  unlink(tmp_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  const std::string reason = std::strerror(errno);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  unlink(tmp_.c_str());
  throw Error("cannot write " + path_ + ": " + what + ": " + reason);
}

void AtomicFile::write(const void* bytes, size_t size) {
  const auto* data = static_cast<const char*>(bytes);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    done += static_cast<size_t>(n);
  }
  written_ += size;
}

void AtomicFile::commit() {
  if (fsync(fd_) != 0) fail("fsync");
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0 || rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    unlink(tmp_.c_str());
    throw Error("cannot write " + path_ + ": rename: " + reason);
  }
  // The rename is durable only once the directory is synced: until then a crash can lose it.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) throw Error("cannot write " + path_ + ": open directory: " + std::strerror(errno));
  const bool synced = fsync(dir_fd) == 0;
  const std::string reason = std::strerror(errno);
  close(dir_fd);
  if (!synced) throw Error("cannot write " + path_ + ": fsync directory: " + reason);
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace latent
