#include "io/torch_archive_check.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <zlib.h>

#include "latent/base/error.h"

namespace latent {
namespace {

[[noreturn]] void damaged(const std::string& name, const std::string& why) {
  throw Error(name + ": damaged model archive (" + why + ")");
}

uint32_t le(const std::string& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(b[at + static_cast<size_t>(i)]);
  return v;
}

// One line of class source, read by hand: std::regex recurses once per character it matches,
// so a long line (a crafted archive's) would overflow the stack.
class SourceLine {
 public:
  explicit SourceLine(const std::string& line) : s_(line) {}
  bool done() const { return at_ == s_.size(); }
  bool literal(const std::string& text) {
    if (s_.compare(at_, text.size(), text) != 0) return false;
    at_ += text.size();
    return true;
  }
  /// 1..max characters for which allowed() holds.
  bool run(bool (*allowed)(char), size_t max) {
    size_t start = at_;
    while (at_ < s_.size() && at_ - start < max && allowed(s_[at_])) ++at_;
    return at_ > start && (at_ == s_.size() || !allowed(s_[at_]));
  }
  /// "name", as a parameter or submodule key.
  bool key() {
    size_t start = at_;
    if (literal("\"") && run(key_char, 200) && literal("\"")) return true;
    at_ = start;
    return false;
  }
  /// The rest of the line is one of the types latent's modules have.
  bool type() {
    for (const char* simple : {"str", "Tensor", "bool", "int", "float", "Tuple[float, float]"})
      if (s_.compare(at_, std::string::npos, simple) == 0) return true;
    if (!literal("__torch__.")) return false;
    if (literal("___torch_mangle_") && !(run(digit, 9) && literal("."))) return false;
    return literal("Module") && done();
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool word_char(char c) { return digit(c) || c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
  static bool key_char(char c) { return word_char(c) || c == '.' || c == '/'; }

 private:
  const std::string& s_;
  size_t at_ = 0;
};

// class Module(Module):
//   __parameters__ = ["weight", "bias", ]  (or __buffers__)
//   __annotations__ = []
//   __annotations__["0"] = TYPE
//   name : TYPE
bool allowed_line(const std::string& text) {
  if (text.size() > 100000) return false;
  if (text.empty() || text == "class Module(Module):" || text == "  __annotations__ = []") return true;
  SourceLine line(text);
  if (line.literal("  __parameters__ = [") || line.literal("  __buffers__ = [")) {
    while (line.key())
      if (!line.literal(", ")) return false;
    return line.literal("]") && line.done();
  }
  if (line.literal("  __annotations__[")) return line.key() && line.literal("] = ") && line.type();
  return line.literal("  ") && !SourceLine::digit(text[2]) && line.run(SourceLine::word_char, 201) &&
         line.literal(" : ") && line.type();
}

/// A deflated entry (LibTorch's writer deflates some source files), at most `size` bytes out.
std::string inflate_entry(const std::string& deflated, uint32_t size, const std::string& name) {
  if (size > (1u << 24)) damaged(name, "zip entry too large");
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) damaged(name, "zip entry");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  z.avail_in = static_cast<uInt>(deflated.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = size;
  const int status = inflate(&z, Z_FINISH);
  const uLong produced = z.total_out;
  inflateEnd(&z);
  if (status != Z_STREAM_END || produced != size) damaged(name, "zip entry does not inflate to its size");
  return out;
}

void check_source(const std::string& source, const std::string& name) {
  size_t start = 0;
  while (start <= source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string::npos) end = source.size();
    if (!allowed_line(source.substr(start, end - start))) damaged(name, "unexpected TorchScript source");
    start = end + 1;
  }
}

/// Walks a pickle's opcodes (the ones LibTorch's Unpickler reads) and checks that every length
/// it would allocate for lies inside the pickle, as its readBytes reserves the claimed length
/// first (a BINUNICODE length of 2 GB was an out-of-memory in fuzz_model), and that a tensor
/// storage's element count (the last number of the tuple before BINPERSID) is at most the
/// archive's size: torch allocates the storage before it reads its bytes (25 GB, fuzz_model),
/// and that memo indices come in order (a LONG_BINPUT of 2^31 grew the memo to 31 GB).
void check_pickle(const std::string& p, size_t archive_size, const std::string& name) {
  size_t at = 0;
  auto need = [&](uint64_t n) {
    if (n > p.size() - at) damaged(name, "pickle length past its end");
  };
  auto little_endian = [&](size_t bytes) {
    need(bytes);
    uint64_t n = 0;
    for (size_t i = bytes; i-- > 0;) n = n << 8 | static_cast<uint8_t>(p[at + i]);
    at += bytes;
    return n;
  };
  auto skip_counted = [&](size_t length_bytes) {
    const uint64_t n = little_endian(length_bytes);
    need(n);
    at += static_cast<size_t>(n);
  };
  auto skip_line = [&] {
    size_t end = p.find('\n', at);
    if (end == std::string::npos) damaged(name, "pickle length past its end");
    at = end + 1;
  };
  uint64_t last_number = 0;   // since the last MARK
  uint64_t memo_entries = 0;  // memo indices are given in order: 0, 1, 2, ...
  while (at < p.size()) {
    const uint8_t op = static_cast<uint8_t>(p[at++]);
    switch (op) {
      case '.':
        return;  // STOP
      case '(':
        last_number = 0;
        break;   // MARK
      case 'Q':  // BINPERSID: ('storage', type, key, location, numel)
        if (last_number > archive_size) damaged(name, "tensor storage larger than the archive");
        break;
      case ')':
      case 't':
      case '}':
      case ']':
      case 'e':
      case 'a':
      case 'u':
      case 's':
      case 'b':
      case 'R':
      case 'N':
      case 0x81:
      case 0x85:
      case 0x86:
      case 0x87:
      case 0x88:
      case 0x89:
        break;  // no argument
      case 0x94:
        ++memo_entries;
        break;  // MEMOIZE
      case 'K':
        last_number = little_endian(1);
        break;  // BININT1
      case 'M':
        last_number = little_endian(2);
        break;  // BININT2
      case 'J':
        last_number = static_cast<uint64_t>(std::abs(static_cast<int64_t>(static_cast<int32_t>(little_endian(4)))));
        break;
      case 0x8a: {  // LONG1: n bytes, little-endian two's complement
        const uint64_t n = little_endian(1);
        if (n > 8) damaged(name, "pickle integer too large");
        last_number = little_endian(static_cast<size_t>(n));
        if (n == 8 && (last_number >> 63)) last_number = ~last_number + 1;
        break;
      }
      case 'q':
      case 'r': {  // BINPUT, LONG_BINPUT: the Unpickler grows its memo to the index
        if (little_endian(op == 'q' ? 1 : 4) > memo_entries) damaged(name, "pickle memo index out of order");
        ++memo_entries;
        break;
      }
      case 'h':
      case 0x80:
        need(1);
        at += 1;
        break;  // BINGET, PROTO
      case 'j':
        need(4);
        at += 4;
        break;  // LONG_BINGET
      case 'G':
      case 0x95:
        need(8);
        at += 8;
        break;
      case 'c':
        skip_line();
        skip_line();
        break;  // GLOBAL module\nname\n
      case 0x8c:
      case 'C':
      case 'U':
        skip_counted(1);
        break;  // short strings and bytes
      case 'X':
      case 'B':
      case 'T':
      case 0x8b:
        skip_counted(4);
        break;  // BINUNICODE, BINBYTES, BINSTRING, LONG4
      case 0x8d:
      case 0x8e:
        skip_counted(8);
        break;  // BINUNICODE8, BINBYTES8
      default:
        damaged(name, "unexpected pickle opcode");
    }
  }
  damaged(name, "pickle without STOP");
}

}  // namespace

void check_torch_archive(const std::string& bytes, const std::string& name) {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB at the end.
  constexpr size_t kEnd = 22;
  if (bytes.size() < kEnd) damaged(name, "too short");
  size_t end = std::string::npos;
  for (size_t at = bytes.size() - kEnd + 1; at-- > 0 && bytes.size() - at <= kEnd + 65535;)
    if (le(bytes, at, 4) == 0x06054b50) {
      end = at;
      break;
    }
  if (end == std::string::npos) damaged(name, "no zip directory");
  const uint32_t entries = le(bytes, end + 10, 2), dir_size = le(bytes, end + 12, 4), dir_at = le(bytes, end + 16, 4);
  if (dir_at > end || dir_size > end - dir_at) damaged(name, "zip directory outside the file");
  size_t at = dir_at;
  for (uint32_t i = 0; i < entries; ++i) {
    if (at + 46 > dir_at + dir_size || le(bytes, at, 4) != 0x02014b50) damaged(name, "zip directory entry");
    const uint32_t method = le(bytes, at + 10, 2), packed = le(bytes, at + 20, 4), unpacked = le(bytes, at + 24, 4);
    const uint32_t name_len = le(bytes, at + 28, 2), extra_len = le(bytes, at + 30, 2),
                   comment_len = le(bytes, at + 32, 2);
    const uint32_t local = le(bytes, at + 42, 4);
    if (at + 46 + name_len + extra_len + comment_len > dir_at + dir_size) damaged(name, "zip directory entry");
    const std::string entry = bytes.substr(at + 46, name_len);
    at += 46 + name_len + extra_len + comment_len;
    const bool source = entry.size() > 3 && entry.compare(entry.size() - 3, 3, ".py") == 0;
    // Tensors and pickles are stored; only source may be deflated (it is read here, inflated).
    if (!(method == 0 && packed == unpacked) && !(source && method == 8)) damaged(name, "compressed zip entry");
    if (local > dir_at || dir_at - local < 30 || le(bytes, local, 4) != 0x04034b50) damaged(name, "zip entry header");
    const size_t data = local + 30 + le(bytes, local + 26, 2) + le(bytes, local + 28, 2);
    if (data > dir_at || packed > dir_at - data) damaged(name, "zip entry outside the file");
    if (entry.size() > 4 && entry.compare(entry.size() - 4, 4, ".pkl") == 0)
      check_pickle(bytes.substr(data, packed), bytes.size(), name);
    if (source)
      check_source(method == 0 ? bytes.substr(data, packed) : inflate_entry(bytes.substr(data, packed), unpacked, name),
                   name);
  }
}

}  // namespace latent
