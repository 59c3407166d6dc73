#include "io/file_pieces.h"

#include <liburing.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "latent/base/error.h"

namespace latent {
namespace {

constexpr unsigned kRingDepth = 256;
constexpr size_t kMaxRingPiece = size_t{1} << 30;  // a ring request's size is 32 bits
constexpr int kFileEnded = -1;                     // an error "number": the file ends before a piece

// One ring per reading thread; `usable` turns false when the kernel refuses rings, or when a
// submission failed and left requests in the ring that must never be sent.
struct ThreadRing {
  io_uring ring{};
  bool usable = false;
  ThreadRing() { usable = io_uring_queue_init(kRingDepth, &ring, 0) == 0; }
  ~ThreadRing() {
    if (usable) io_uring_queue_exit(&ring);
  }
  ThreadRing(const ThreadRing&) = delete;
  ThreadRing& operator=(const ThreadRing&) = delete;
};

std::string failure(const std::string& path, int error) {
  return path + ": " + (error == kFileEnded ? "shorter than when it was opened" : std::strerror(error));
}

// Sends pieces[first, first + count) (count <= kRingDepth) and waits for every one sent: they
// write into the caller's buffers, and a completion left in the ring would be taken for a later
// call's. Returns the first error (0: none); what short reads left is added to `rest`.
int read_through_ring(ThreadRing& ring, int fd, const std::vector<FilePiece>& pieces, size_t first, unsigned count,
                      std::vector<FilePiece>& rest) {
  for (unsigned k = 0; k < count; ++k) {
    const FilePiece& piece = pieces[first + k];
    io_uring_sqe* sqe = io_uring_get_sqe(&ring.ring);
    io_uring_prep_read(sqe, fd, piece.into, static_cast<unsigned>(piece.size), piece.offset);
    io_uring_sqe_set_data64(sqe, first + k);
  }
  unsigned sent = 0;
  int error = 0;
  while (sent < count) {
    const int n = io_uring_submit(&ring.ring);
    if (n == -EINTR) continue;
    if (n <= 0) {
      ring.usable = false;  // what was not sent stays in the ring: never use it again
      error = n < 0 ? -n : EIO;
      break;
    }
    sent += static_cast<unsigned>(n);
  }
  for (unsigned done = 0; done < sent;) {
    io_uring_cqe* cqe = nullptr;
    const int wait = io_uring_wait_cqe(&ring.ring, &cqe);
    if (wait == -EINTR) continue;
    if (wait < 0) {
      ring.usable = false;
      return -wait;
    }
    const FilePiece& piece = pieces[io_uring_cqe_get_data64(cqe)];
    const int result = cqe->res;
    io_uring_cqe_seen(&ring.ring, cqe);
    ++done;
    if (error != 0) continue;
    if (result < 0) error = -result;
    else if (result == 0) error = kFileEnded;
    else if (static_cast<size_t>(result) < piece.size)
      rest.push_back({piece.offset + static_cast<size_t>(result), static_cast<char*>(piece.into) + result,
                      piece.size - static_cast<size_t>(result)});
  }
  return error;
}

}  // namespace

void read_fully(int fd, size_t offset, void* into, size_t size, const std::string& path) {
  auto* bytes = static_cast<char*>(into);
  while (size > 0) {
    const ssize_t n = pread(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(failure(path, n == 0 ? kFileEnded : errno));
    bytes += n, offset += static_cast<size_t>(n), size -= static_cast<size_t>(n);
  }
}

void read_pieces(int fd, const std::vector<FilePiece>& pieces, const std::string& path) {
  thread_local ThreadRing ring;
  const bool fits =
      std::all_of(pieces.begin(), pieces.end(), [](const FilePiece& p) { return p.size <= kMaxRingPiece; });
  std::vector<FilePiece> rest = pieces;
  if (ring.usable && fits && pieces.size() > 1) {
    rest.clear();
    for (size_t first = 0; first < pieces.size(); first += kRingDepth) {
      const auto count = static_cast<unsigned>(std::min<size_t>(kRingDepth, pieces.size() - first));
      const int error = read_through_ring(ring, fd, pieces, first, count, rest);
      if (error != 0) throw Error(failure(path, error));
    }
  }
  for (const FilePiece& piece : rest) read_fully(fd, piece.offset, piece.into, piece.size, path);
}

}  // namespace latent
