#pragma once
#include <string>

namespace latent {

/// A file written in pieces that appears whole or not at all: bytes go to path.tmp.<pid>, and
/// commit() fsyncs it, renames it over path and fsyncs the directory. Destroyed uncommitted (an
/// error, an interrupt), it removes the temporary. The temporary is created new (anything
/// already at its name, a symlink included, is an error, never followed); the new file keeps the
/// permission bits of the one it replaces. Failures (disk full, no permission, the directory
/// sync) throw latent::Error saying why.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* bytes, size_t size);
  void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }
  /// Bytes written so far.
  size_t size() const { return written_; }
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_, tmp_;
  int fd_ = -1;
  size_t written_ = 0;
};

/// The whole of `bytes` through an AtomicFile: a reader sees the old file or the new one, never a part.
void write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace latent
