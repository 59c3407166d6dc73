#pragma once
// Turns a --data argument into RawData:
//   mnist | fashion-mnist        found under $LATENT_DATA/<name>, <source>/data/<name>, or
//                                /usr/share/datasets/<name> (Debian's dataset packages)
//   idx:DIR                      {train,t10k}-{images,labels}-idx?-ubyte[.gz] in DIR
//   csv:FILE[,label=auto|NAME|first|last|none][,header=auto|yes|no]   (FILE may be .gz; label=auto:
//                                a header column named label, class or target, else none)
//   images:DIR                   PNG/JPEG files, or one subfolder of them per class
// A csv or images source is one file set: it serves whichever split is asked for.
#include <string>

#include "latent/io/raw_data.h"

namespace latent {

/// split is "train" or "test"; limit > 0 keeps the first `limit` samples.
RawData load_raw(const std::string& data, const std::string& split, int64_t limit = 0);

/// False for the csv and images sources, whose test split is the train split's samples.
bool has_test_split(const std::string& data);

}  // namespace latent
