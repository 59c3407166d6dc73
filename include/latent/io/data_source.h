#pragma once
// Turns a --data argument into RawData:
//   mnist | fashion-mnist        found under $LATENT_DATA/<name>, <source>/data/<name>, or
//                                /usr/share/datasets/<name> (Debian's dataset packages)
//   idx:DIR                      {train,t10k}-{images,labels}-idx?-ubyte[.gz] in DIR
//   csv:FILE[,label=auto|NAME|first|last|none][,header=auto|yes|no]   (FILE may be .gz; label=auto:
//                                a header column named label, class or target, else none)
//   images:DIR                   PNG/JPEG/BMP/GIF files, or one subfolder of them per class
//   emoji-apple | emoji-facebook the 64x64 colour emoji both vendors draw, one folder per category
//                                (data/emoji/<vendor>, fetched by scripts/setup.sh)
//   pack:FILE                    a data set `latent pack` wrote (see pack_file.h)
//   FILE.csv | FILE.tsv[.gz][,...] | FILE.lpk | DIR   a bare path: csv, pack or images by its kind
// A csv, images or pack source is one file set: it serves whichever split is asked for.
#include <string>

#include "latent/io/raw_data.h"

namespace latent {

/// A --data argument, parsed: which reader, and the file or folder it reads.
struct DataSource {
  enum class Kind { named, idx, csv, images, pack };  ///< named: mnist or fashion-mnist; the emoji are images
  Kind kind = Kind::named;
  std::string location;  ///< named: the data set's name; idx, images: the folder; csv, pack: the file
  std::string options;   ///< csv: the text after the file name's comma ("label=class,header=yes")

  /// Throws SettingError("data", ...) for an argument of no known form.
  static DataSource parse(const std::string& data);
  /// False for the csv, images and pack sources, whose test split is the train split's samples.
  bool has_test_split() const { return kind == Kind::named || kind == Kind::idx; }
  /// The file or folder the source reads on disk, or "" for a named data set.
  std::string input_path() const { return kind == Kind::named ? "" : location; }
};

/// split is "train" or "test"; limit > 0 keeps the first `limit` samples; image files are read
/// under `layout` (an unreadable one as `unreadable` says), a CSV's columns as `columns` says.
RawData load_raw(const std::string& data, const std::string& split, int64_t limit = 0, const ImageLayout& layout = {},
                 const ColumnChoice& columns = {}, UnreadableFiles unreadable = UnreadableFiles::refuse);

}  // namespace latent
