#pragma once
// Reading many pieces of one file at once: a batch of random rows of a pack is one system call
// (io_uring) rather than one pread per row, which costs 3.5-5 us a row from the page cache in
// this project's VM against 1.5 us through the ring. Where the kernel refuses io_uring (a
// seccomp filter, an old kernel) the pieces are read one by one with pread.
#include <cstddef>
#include <string>
#include <vector>

namespace latent {

/// size bytes of the file at offset, read into `into`.
struct FilePiece {
  size_t offset = 0;
  void* into = nullptr;
  size_t size = 0;
};

/// Reads size bytes at offset of the open file fd, retrying short reads. Throws latent::Error
/// naming path when the file ends first or the read fails.
void read_fully(int fd, size_t offset, void* into, size_t size, const std::string& path);

/// Reads every piece of fd (all of them, or throws as read_fully does). Safe to call from several
/// threads: each has a ring of its own.
void read_pieces(int fd, const std::vector<FilePiece>& pieces, const std::string& path);

}  // namespace latent
