#pragma once
// A data set packed into one file, for data bigger than memory: every sample's values row by row
// (image pixels as bytes 0..255, table values as float32 as read), then the labels and the
// samples' names, then a JSON footer. Rows are read as they are asked for (a batch's rows in one
// io_uring submission, io/file_pieces.h): reading a pack of any size holds only a batch's rows.
//
//   "LTPACK\0\1" | zeros to byte 64 | values | labels (int64 each) | name offsets (count + 1
//   uint64, into the names) | names | footer JSON | uint64 footer length | "LTPACKND"
//   (integers little-endian; every size is checked against the file's before a byte is read)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "latent/io/raw_data.h"

namespace latent {

/// What a pack's footer says about its samples.
struct PackHeader {
  int64_t count = 0;
  std::vector<int64_t> sample_shape;  ///< as RawData's: {C, H, W} for images, {D} for tables
  bool is_image = true;               ///< values are bytes (pixels) when true, float32 otherwise
  bool has_labels = false, has_names = false;
  std::string fingerprint;   ///< FNV-1a 64 of the values block, as written
  std::string source;        ///< the --data it was packed from
  ImageLayout layout;        ///< images: how their files were read (a model trained on the pack reads queries so)
  std::string label_column;  ///< tables: as RawData's
  std::vector<std::string> label_names;  ///< as RawData's: class i's name (empty when the classes are numbers)
  TableColumns table;                    ///< tables: as RawData's

  int64_t features() const;
  int64_t value_bytes() const { return is_image ? 1 : 4; }
};

/// Writes a pack from chunks of samples as they are read; the file appears whole at commit() or
/// not at all. The first chunk sets the kind and shape, later ones must agree. Pixels are rounded
/// to bytes.
class PackWriter {
 public:
  PackWriter(const std::string& path, std::string source, const ImageLayout& layout = {});
  ~PackWriter();
  void add(const RawData& chunk);
  int64_t count() const { return header_.count; }
  void commit();

 private:
  struct File;
  std::unique_ptr<File> file_;
  PackHeader header_;
  bool started_ = false;
  uint64_t hash_;
  std::vector<int64_t> labels_;
  std::vector<uint64_t> name_ends_;
  std::string names_;
};

/// A pack, open for reading. Throws latent::Error naming the file when it is not a whole pack.
class PackFile {
 public:
  explicit PackFile(const std::string& path);
  ~PackFile();
  PackFile(const PackFile&) = delete;
  PackFile& operator=(const PackFile&) = delete;

  const std::string& path() const { return path_; }
  const PackHeader& header() const { return header_; }
  int64_t count() const { return header_.count; }
  /// The values of rows[0..n) (each < count()), one row after another: bytes for images, the
  /// floats' bytes for tables. Safe to call from several threads.
  void read_rows(const int64_t* rows, int64_t n, unsigned char* into) const;
  /// Every label (empty when the pack has none).
  std::vector<int64_t> labels() const;
  /// Sample `row`'s name ("" when the pack has none).
  std::string name(int64_t row) const;
  /// The samples `rows` (each < count()) as read from the source: values, labels, names.
  RawData read(const std::vector<int64_t>& rows) const;

 private:
  void read_at(size_t offset, void* into, size_t size) const;
  std::string path_;
  PackHeader header_;
  int fd_ = -1;
  int64_t row_bytes_ = 0;
  size_t labels_at_ = 0, offsets_at_ = 0, names_at_ = 0, names_size_ = 0;
};

/// Whether path starts with a pack's magic (reads 8 bytes).
bool is_pack_file(const std::string& path);

}  // namespace latent
